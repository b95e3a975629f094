// The connection form of the new and edit pages: name, the connector's RJSF form,
// "Test connection" (per-check results with hints) and Save. On edit, stored secrets are
// not sent back by the host; their fields say "set — leave blank to keep".
import { useMemo, useRef, useState } from "react";
import Form from "@rjsf/core";
import { api, paths } from "../api.js";
import { errorSchemaFromPaths } from "../paths.js";
import { FORM_PROPS, dynamicFields, fieldTitle, optional, secretPlaceholders, withChoices } from "../schema.js";
import { Checks } from "./Checks.jsx";
import { DynamicOptions } from "./DynamicOptions.jsx";
import { ErrorBox } from "./ErrorBox.jsx";

export function ConnectionEditor({ connectorId, form, connection, onSaved }) {
  const secretsSet = connection ? connection.secrets_set || [] : [];
  const [name, setName] = useState(connection ? connection.name : "");
  const [formData, setFormData] = useState(connection ? connection.values : undefined);
  const [choices, setChoices] = useState({});
  const [extraErrors, setExtraErrors] = useState(undefined);
  const [outcome, setOutcome] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(null); // "test" | "save" | null
  const [attempts, setAttempts] = useState(0); // tests and saves answered: tests wait for the next one
  const formRef = useRef(null);

  const schema = useMemo(() => withChoices(optional(form.schema, secretsSet), choices), [form, secretsSet.join(), choices]);
  const uiSchema = useMemo(() => secretPlaceholders(form.uiSchema, secretsSet), [form, secretsSet.join()]);

  const showRefusal = (e) => {
    setError(e);
    if (e.status === 422 && e.errors) setExtraErrors(errorSchemaFromPaths(e.errors).errorSchema);
  };

  const test = async () => {
    setOutcome(null); setError(null);
    if (formRef.current && !formRef.current.validateForm()) { // the browser marks the fields first
      setAttempts((n) => n + 1);
      return;
    }
    setBusy("test");
    try {
      const values = formData ?? {};
      setOutcome(connection
        ? await api.post(paths.test(connection.id), { values })
        : await api.post("/api/connections/test", { connector_id: connectorId, values }));
    } catch (e) {
      showRefusal(e);
    } finally {
      setBusy(null);
      setAttempts((n) => n + 1);
    }
  };

  const save = async ({ formData: values }) => {
    setError(null);
    if (!name.trim()) {
      setError({ code: "invalid", message: "Give the connection a name.", status: 0 });
      setAttempts((n) => n + 1);
      return;
    }
    setBusy("save");
    try {
      const saved = connection
        ? await api.put(paths.connection(connection.id), { name: name.trim(), values: values ?? {} })
        : await api.post("/api/connections", { connector_id: connectorId, name: name.trim(), values: values ?? {} });
      onSaved(saved);
    } catch (e) {
      showRefusal(e);
    } finally {
      setBusy(null);
      setAttempts((n) => n + 1);
    }
  };

  return (
    <section className="form-panel connection-editor" data-attempts={attempts} data-busy={busy || ""}>
      <div className="form-group">
        <label htmlFor="connection-name">Connection name</label>
        <input id="connection-name" type="text" value={name} maxLength={200} required
          placeholder="e.g. Reports bucket (production)" onChange={(e) => setName(e.target.value)} />
      </div>
      {secretsSet.length > 0 && (
        <p className="muted" id="secrets-note">
          Stored secrets ({secretsSet.map((key) => fieldTitle(form.schema, key)).join(", ")}) are never shown: leave them blank to keep them, or type a new value to replace them.
        </p>
      )}
      {!connection && (
        <DynamicOptions fields={dynamicFields(form.uiSchema)} connectorId={connectorId} connectionDraft={formData || {}}
          onLoaded={(field, options) => setChoices((c) => ({ ...c, [field]: options }))} note="uses the values entered below" />
      )}
      <Form
        ref={formRef}
        schema={schema}
        uiSchema={uiSchema}
        formData={formData}
        {...FORM_PROPS}
        extraErrors={extraErrors}
        onChange={(e) => { setFormData(e.formData); setExtraErrors(undefined); setOutcome(null); }}
        onSubmit={save}
        onError={() => setAttempts((n) => n + 1)}
      >
        <div className="actions">
          <button type="button" id="test-connection" onClick={test} disabled={busy !== null}>
            {busy === "test" ? "Testing…" : "Test connection"}
          </button>{" "}
          <button type="submit" id="save-connection" className="btn btn-info" disabled={busy !== null}>
            {busy === "save" ? "Saving…" : "Save"}
          </button>
        </div>
      </Form>
      <ErrorBox error={error} />
      <Checks outcome={outcome} />
    </section>
  );
}
