// The connector form page: stock react-jsonschema-form 6 drawing host.form(...) schemas.
//
// Routes: #/<connector id> (the connection form) and #/<connector id>/<operation id>.
// The browser validates with Ajv2020 + ajv-formats; a valid draft is then posted to the
// server, whose per-field errors are shown under the fields (RJSF `extraErrors`).
import { StrictMode, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { createRoot } from "react-dom/client";
import Form from "@rjsf/core";
import { customizeValidator } from "@rjsf/validator-ajv8";
import Ajv2020 from "ajv/dist/2020.js";
import { errorSchemaFromPaths } from "./paths.js";

// Plain `new Ajv()` cannot compile draft 2020-12 schemas; Ajv2020 can. RJSF adds ajv-formats.
const validator = customizeValidator({ AjvClass: Ajv2020 });

async function api(path, body) {
  const init = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  };
  const response = await fetch(path, init);
  const data = await response.json();
  return { status: response.status, data };
}

function parseRoute() {
  const [connectorId = "", operation = ""] = decodeURIComponent(location.hash.replace(/^#\/?/, "")).split("/");
  return { connectorId, operation };
}

function formPath(connectorId, operation) {
  return `/api/connectors/${encodeURIComponent(connectorId)}` + (operation ? `/form?operation=${encodeURIComponent(operation)}` : "/form");
}

function validatePath(connectorId, operation) {
  return `/api/connectors/${encodeURIComponent(connectorId)}/validate` + (operation ? `?operation=${encodeURIComponent(operation)}` : "");
}

/** Top-level fields whose UI schema says their choices come from the account. */
function dynamicFields(uiSchema) {
  return Object.entries(uiSchema || {})
    .filter(([key, entry]) => !key.startsWith("ui:") && entry && entry["ui:options"] && entry["ui:options"].dynamicOptions)
    .map(([key]) => key);
}

/** The schema with loaded choices as `examples`: suggestions (a datalist), not a new constraint. */
function withChoices(schema, choices) {
  const keys = Object.keys(choices);
  if (!schema || keys.length === 0) return schema;
  const properties = { ...schema.properties };
  for (const key of keys) {
    if (properties[key]) properties[key] = { ...properties[key], examples: choices[key].map((o) => o.value) };
  }
  return { ...schema, properties };
}

function Nav({ catalog, route }) {
  if (!catalog) return null;
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
      {catalog.failures.length > 0 && (
        <div className="failures" role="alert">
          {catalog.failures.map((f) => <p key={f.plugin}>Plugin {f.plugin} failed to load: {f.reason}</p>)}
        </div>
      )}
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

function DynamicOptions({ fields, connectorId, operation, connectionDraft, onLoaded }) {
  const [notes, setNotes] = useState({});
  if (fields.length === 0) return null;
  const load = async (key) => {
    const field = operation ? `${operation}.${key}` : key;
    setNotes((n) => ({ ...n, [key]: "loading…" }));
    const { status, data } = await api(
      `/api/connectors/${encodeURIComponent(connectorId)}/options/${encodeURIComponent(field)}`,
      { connection: connectionDraft });
    if (status === 200) {
      onLoaded(key, data.options);
      setNotes((n) => ({ ...n, [key]: `${data.options.length} choices loaded` }));
    } else {
      const detail = data.errors ? ": " + Object.entries(data.errors).map(([p, m]) => `${p} ${m.join("; ")}`).join(", ") : "";
      setNotes((n) => ({ ...n, [key]: `${data.message}${detail}` }));
    }
  };
  return (
    <div className="dynamic-options">
      {fields.map((key) => (
        <p key={key}>
          <button type="button" id={`load-options-${key}`} onClick={() => load(key)}>
            Load choices for {key}
          </button>{" "}
          <span className="muted" id={`options-note-${key}`}>
            {notes[key] || (operation ? "uses the values entered in the Connection form" : "uses the values entered below")}
          </span>
        </p>
      ))}
    </div>
  );
}

const IDLE = { state: "idle", message: "Fill in the form, then press Check to validate it with the server." };
const EDITED = { state: "idle", message: "Changed since the last check." };

function ConnectorForm({ connector, route, drafts, setDraft }) {
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
    api(formPath(route.connectorId, route.operation)).then(({ status: code, data }) => {
      if (!live) return;
      if (code === 200) setForm(data); else setLoadError(data.message);
    });
    return () => { live = false; };
  }, [key]);

  // For tests and debugging: what the form holds now (what a submit would send).
  useEffect(() => {
    window.connectorFormPage = { formData: () => latest.current, ready: form !== null, form: key };
  }, [form, key]);

  const schema = useMemo(() => form && withChoices(form.schema, choices), [form, choices]);
  const onSubmit = useCallback(async ({ formData: submitted }) => {
    setStatus({ state: "checking", message: "Checking with the server…" });
    const { status: code, data } = await api(validatePath(route.connectorId, route.operation), submitted ?? {});
    setChecks((n) => n + 1);
    if (code === 200) {
      setExtraErrors(undefined);
      setStatus({ state: "valid", message: "The server accepted these values.", values: data.values });
    } else if (code === 422) {
      const { errorSchema, unplaced } = errorSchemaFromPaths(data.errors || {}, schema);
      setExtraErrors(errorSchema);
      const rest = unplaced.map(([p, m]) => `${p}: ${m.join("; ")}`).join(" | ");
      setStatus({ state: "invalid", message: `The server refused these values${rest ? ` — ${rest}` : "; see the fields marked below."}` });
    } else {
      setStatus({ state: "error", message: data.message || `the server answered ${code}` });
    }
  }, [route.connectorId, route.operation, schema]);
  const clear = () => {
    setDraft(key, undefined); setExtraErrors(undefined); setStatus(IDLE); setGeneration((g) => g + 1);
  };

  if (loadError) return <p role="alert" className="status error">{loadError}</p>;
  if (!form) return <p className="muted">Loading the form…</p>;
  const dynamic = dynamicFields(form.uiSchema);
  return (
    <section className="form-panel" data-form={key}>
      <DynamicOptions
        fields={dynamic} connectorId={route.connectorId} operation={route.operation}
        connectionDraft={drafts[`${route.connectorId}/`] || {}}
        onLoaded={(field, options) => setChoices((c) => ({ ...c, [field]: options }))}
      />
      <Form
        key={`${key}#${generation}`}
        schema={schema}
        uiSchema={form.uiSchema}
        formData={formData}
        validator={validator}
        idSeparator="."
        noHtml5Validate
        omitExtraData
        liveOmit="onChange"
        showErrorList="top"
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

function App() {
  const [catalog, setCatalog] = useState(null);
  const [error, setError] = useState(null);
  const [route, setRoute] = useState(parseRoute());
  const [drafts, setDrafts] = useState({});
  const setDraft = useCallback((key, value) => setDrafts((d) => ({ ...d, [key]: value })), []);

  useEffect(() => {
    const onHash = () => setRoute(parseRoute());
    window.addEventListener("hashchange", onHash);
    api("/api/connectors").then(({ status, data }) => (status === 200 ? setCatalog(data) : setError(data.message)))
      .catch((e) => setError(String(e)));
    return () => window.removeEventListener("hashchange", onHash);
  }, []);

  const connector = catalog && catalog.connectors.find((c) => c.id === route.connectorId);
  return (
    <>
      <header><h1>Connector forms</h1></header>
      <div className="layout">
        <Nav catalog={catalog} route={route} />
        <main>
          {error && <p role="alert" className="status error">{error}</p>}
          {catalog && !connector && <p>Pick a connector to see its connection form.</p>}
          {connector && (
            <>
              <h2>{connector.name}</h2>
              <FormPicker connector={connector} route={route} />
              <ConnectorForm connector={connector} route={route} drafts={drafts} setDraft={setDraft} />
            </>
          )}
        </main>
      </div>
    </>
  );
}

createRoot(document.getElementById("root")).render(<StrictMode><App /></StrictMode>);
