// The form explorer (`/#/<connector id>[/<operation id>]`): every connection and operation
// form, checked in the browser (Ajv2020) and then by the server, without storing anything.
// Server errors are shown under their fields (RJSF `extraErrors`).
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import Form from "@rjsf/core";
import { api, paths } from "../api.js";
import { errorSchemaFromPaths } from "../paths.js";
import { FORM_PROPS, dynamicFields, withChoices } from "../schema.js";
import { DynamicOptions } from "../components/DynamicOptions.jsx";
import { LoadFailures } from "../components/ErrorBox.jsx";

export function parseExplorerRoute(hash) {
  const [connectorId = "", operation = ""] = decodeURIComponent(hash.replace(/^#\/?/, "")).split("/");
  return { connectorId, operation };
}

function ConnectorNav({ catalog, route }) {
  return (
    <nav aria-label="Connectors">
      <h2>Connectors</h2>
      <ul>
        {catalog.connectors.map((c) => (
          <li key={c.id}>
            <a href={`#/${c.id}`} aria-current={route.connectorId === c.id && !route.operation ? "page" : undefined}>
              {c.name}
            </a>
            <span className="muted"> {c.id} {c.version}</span>
          </li>
        ))}
      </ul>
      <LoadFailures failures={catalog.failures} />
    </nav>
  );
}

function FormPicker({ connector, route }) {
  return (
    <label className="picker">
      Form{" "}
      <select
        id="form-picker"
        value={route.operation}
        onChange={(e) => { location.hash = `#/${connector.id}` + (e.target.value ? `/${e.target.value}` : ""); }}
      >
        <option value="">Connection</option>
        {connector.operations.map((op) => <option key={op.id} value={op.id}>Operation: {op.label}</option>)}
      </select>
    </label>
  );
}

function Status({ status, checks }) {
  return (
    <div id="status" data-state={status.state} data-checks={checks} role="status" className={`status ${status.state}`}>
      {status.message}
      {status.values && <pre id="server-values">{JSON.stringify(status.values, null, 2)}</pre>}
    </div>
  );
}

const IDLE = { state: "idle", message: "Fill in the form, then press Check to validate it with the server." };
const EDITED = { state: "idle", message: "Changed since the last check." };

function ExplorerForm({ route, drafts, setDraft }) {
  const [form, setForm] = useState(null);
  const [loadError, setLoadError] = useState(null);
  const [choices, setChoices] = useState({});
  const [extraErrors, setExtraErrors] = useState(undefined);
  const [status, setStatus] = useState(IDLE);
  const [checks, setChecks] = useState(0); // verdicts given so far: tests wait for the next one
  const [generation, setGeneration] = useState(0); // bumped by "Clear" to remount a fresh form
  const key = `${route.connectorId}/${route.operation}`;
  const formData = drafts[key];
  const latest = useRef(formData);
  latest.current = formData;

  useEffect(() => {
    let live = true;
    setForm(null); setChoices({}); setExtraErrors(undefined); setLoadError(null);
    setStatus(IDLE);
    api.get(paths.form(route.connectorId, route.operation))
      .then((data) => live && setForm(data), (error) => live && setLoadError(error.message));
    return () => { live = false; };
  }, [key]);

  // For tests and debugging: what the form holds now (what a submit would send).
  useEffect(() => {
    window.connectorFormPage = { formData: () => latest.current, ready: form !== null, form: key };
  }, [form, key]);

  const schema = useMemo(() => form && withChoices(form.schema, choices), [form, choices]);
  const onSubmit = useCallback(async ({ formData: submitted }) => {
    setStatus({ state: "checking", message: "Checking with the server…" });
    try {
      const data = await api.post(paths.validate(route.connectorId, route.operation), submitted ?? {});
      setExtraErrors(undefined);
      setStatus({ state: "valid", message: "The server accepted these values.", values: data.values });
    } catch (error) {
      if (error.status === 422) {
        const { errorSchema, unplaced } = errorSchemaFromPaths(error.errors || {});
        setExtraErrors(errorSchema);
        const rest = unplaced.map(([p, m]) => `${p}: ${m.join("; ")}`).join(" | ");
        setStatus({ state: "invalid", message: `The server refused these values${rest ? ` — ${rest}` : "; see the fields marked below."}` });
      } else {
        setStatus({ state: "error", message: error.message });
      }
    }
    setChecks((n) => n + 1);
  }, [route.connectorId, route.operation]);
  const clear = () => {
    setDraft(key, undefined); setExtraErrors(undefined); setStatus(IDLE); setGeneration((g) => g + 1);
  };

  if (loadError) return <p role="alert" className="status error">{loadError}</p>;
  if (!form) return <p className="muted">Loading the form…</p>;
  return (
    <section className="form-panel" data-form={key}>
      <DynamicOptions
        fields={dynamicFields(form.uiSchema)} connectorId={route.connectorId} operation={route.operation}
        connectionDraft={drafts[`${route.connectorId}/`] || {}}
        onLoaded={(field, options) => setChoices((c) => ({ ...c, [field]: options }))}
        note={route.operation ? "uses the values entered in the Connection form" : "uses the values entered below"}
      />
      <Form
        key={`${key}#${generation}`}
        schema={schema}
        uiSchema={form.uiSchema}
        formData={formData}
        {...FORM_PROPS}
        extraErrors={extraErrors}
        onChange={(e) => { setDraft(key, e.formData); setExtraErrors(undefined); setStatus((s) => (s.state === "idle" ? s : EDITED)); }}
        onSubmit={onSubmit}
        onError={(errors) => {
          setChecks((n) => n + 1);
          setStatus({ state: "client-invalid", message: `The form has ${errors.length} problem${errors.length === 1 ? "" : "s"}; see the fields marked below.` });
        }}
      >
        <div className="actions">
          <button type="submit" className="btn btn-info">Check</button>{" "}
          <button type="button" id="clear-form" onClick={clear}>Clear</button>
        </div>
      </Form>
      <Status status={status} checks={checks} />
    </section>
  );
}

export function Explorer({ catalog, hash }) {
  const route = parseExplorerRoute(hash);
  const [drafts, setDrafts] = useState({});
  const setDraft = useCallback((key, value) => setDrafts((d) => ({ ...d, [key]: value })), []);
  const connector = catalog.connectors.find((c) => c.id === route.connectorId);
  return (
    <div className="layout">
      <ConnectorNav catalog={catalog} route={route} />
      <main>
        {!connector && <p>Pick a connector to see its connection form.</p>}
        {connector && (
          <>
            <h2>{connector.name}</h2>
            <FormPicker connector={connector} route={route} />
            <ExplorerForm route={route} drafts={drafts} setDraft={setDraft} />
          </>
        )}
      </main>
    </div>
  );
}
