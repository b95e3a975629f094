// Run an operation on a saved connection: its input form (or the input as JSON), then its
// result as it streams: pages of a list as one table, progress of a transfer as a bar.
// A host never takes a server path from a tenant: upload_file sends a file picked here to
// POST /api/files first and names its file_id; download_file's file comes back as a file_id.
// "Run in background" submits the input as a job (POST /api/jobs) and opens the job's page;
// it is ticked to begin with for operations the host runs as jobs (bulk work that fans out).
import { useEffect, useMemo, useState } from "react";
import Form from "@rjsf/core";
import { ApiError, api, paths, runStreamed, uploadFile } from "../api.js";
import { errorSchemaFromPaths } from "../paths.js";
import { FORM_PROPS, withoutFields } from "../schema.js";
import { ErrorBox } from "../components/ErrorBox.jsx";
import { ErrorPage } from "../components/ErrorPage.jsx";
import { InputAsJson } from "../components/InputAsJson.jsx";
import { Progress } from "../components/Progress.jsx";
import { ResultView } from "../components/ResultView.jsx";
import { Link, navigate } from "../router.jsx";

const hasField = (schema, key) => JSON.stringify(schema || {}).includes(`"${key}":{`);

/** How an operation uses files: "upload" (a file goes in), "download" (one comes back), or null. */
export function fileRole(form) {
  if (!hasField(form.schema, "file_path")) return null;
  return form.outputSchema && hasField(form.outputSchema, "file_path") ? "download" : "upload";
}

function OperationPicker({ connector, base, operation }) {
  return (
    <label className="picker">
      Operation{" "}
      <select id="operation-picker" value={operation || ""}
        onChange={(e) => navigate(`${base}/run${e.target.value ? `?operation=${encodeURIComponent(e.target.value)}` : ""}`)}>
        <option value="">Choose…</option>
        {connector.operations.map((op) => <option key={op.id} value={op.id}>{op.label}</option>)}
      </select>
    </label>
  );
}

const IDLE = { state: "idle", upload: null, progress: null, items: null, result: null, error: null };

function RunForm({ connection, operation, form, runsAsJob }) {
  const role = fileRole(form);
  const [asJob, setAsJob] = useState(Boolean(runsAsJob) && !role);
  const schema = useMemo(() => (role ? withoutFields(form.schema, ["file_path"]) : form.schema), [form, role]);
  const [formData, setFormData] = useState(undefined);
  const [generation, setGeneration] = useState(0); // bumped when the JSON input replaces the form's data
  const [file, setFile] = useState(null);
  const [run, setRun] = useState(IDLE);
  const [extraErrors, setExtraErrors] = useState(undefined);
  const update = (change) => setRun((r) => ({ ...r, ...change(r) }));

  const onEvent = (event) => {
    if (event.type === "progress") {
      update((r) => ({ progress: { done: event.done, total: event.total, updates: (r.progress?.updates || 0) + 1 } }));
    } else if (event.type === "page") {
      update((r) => ({ items: [...(r.items || []), ...event.items] }));
    } else if (event.type === "result") {
      update(() => ({ result: event.result, state: "done" }));
    } else if (event.type === "error") {
      update(() => ({ error: new ApiError(event.status || 0, event), state: "failed" }));
    }
  };

  const startJob = async (input) => {
    setExtraErrors(undefined);
    setRun({ ...IDLE, state: "submitting" });
    try {
      const reply = await api.post(paths.jobs, { connection_id: connection.id, operation, input });
      navigate(`/jobs/${encodeURIComponent(reply.job.id)}`);
    } catch (error) {
      if (error.status === 422 && error.errors) setExtraErrors(errorSchemaFromPaths(error.errors).errorSchema);
      setRun({ ...IDLE, state: "failed", error });
    }
  };

  const submit = async ({ formData: values }) => {
    setExtraErrors(undefined);
    if (role === "upload" && !file) {
      setRun({ ...IDLE, state: "failed", error: { code: "invalid", status: 0, message: "Pick the file to upload." } });
      return;
    }
    const input = { ...(values ?? {}) };
    if (asJob) {
      await startJob(input);
      return;
    }
    try {
      if (role === "upload") {
        setRun({ ...IDLE, state: "uploading", upload: { done: 0, total: file.size, updates: 0 } });
        const stored = await uploadFile(file, (done, total) =>
          update((r) => ({ upload: { done, total, updates: (r.upload?.updates || 0) + 1 } })));
        input.file_id = stored.file_id;
        update(() => ({ state: "running" }));
      } else {
        setRun({ ...IDLE, state: "running" });
      }
      await runStreamed(paths.run(connection.id, operation), { input }, onEvent);
      update((r) => (r.state === "running" ? { state: "failed", error: { code: "http_error", status: 0, message: "the run ended without a result" } } : {}));
    } catch (error) {
      if (error.status === 422 && error.errors) setExtraErrors(errorSchemaFromPaths(error.errors).errorSchema);
      update(() => ({ state: "failed", error }));
    }
  };

  const busy = run.state === "uploading" || run.state === "running" || run.state === "submitting";
  const label = role === "download" ? "Downloading from the service" : role === "upload" ? "Uploading to the service" : "Progress";
  return (
    <>
      <InputAsJson value={formData} onUse={(data) => { setFormData(data); setGeneration((g) => g + 1); }}
        onSubmit={asJob ? startJob : undefined} submitLabel="Start job with this JSON" />
      <Form
        key={generation}
        schema={schema}
        uiSchema={form.uiSchema}
        formData={formData}
        {...FORM_PROPS}
        extraErrors={extraErrors}
        onChange={(e) => setFormData(e.formData)}
        onSubmit={submit}
      >
        {role === "upload" && (
          <div className="form-group">
            <label htmlFor="run-file">File to upload</label>
            <input id="run-file" type="file" onChange={(e) => setFile(e.target.files[0] || null)} />
          </div>
        )}
        {!role && (
          <div className="form-group run-as-job">
            <label>
              <input type="checkbox" id="run-as-job" checked={asJob} onChange={(e) => setAsJob(e.target.checked)} />{" "}
              Run in background (as a job: it goes on if you leave this page; see Jobs)
            </label>
          </div>
        )}
        <div className="actions">
          <button type="submit" id="run-operation" className="btn btn-info" disabled={busy}>
            {busy ? (asJob ? "Starting…" : "Running…") : asJob ? "Start job" : "Run"}
          </button>
        </div>
      </Form>
      <div id="run-status" data-state={run.state} role="status" className={`status ${run.state}`}>
        {{ idle: asJob ? "Fill in the input, then press Start job." : "Fill in the input, then press Run.",
           submitting: "Starting the job…", uploading: "Sending the file to the host…", running: "Running…",
           done: "Done.", failed: "The run failed." }[run.state]}
      </div>
      {run.upload && <Progress id="upload-progress" label="Sending the file to the host" {...run.upload} />}
      {run.progress && <Progress id="run-progress" label={label} {...run.progress} />}
      <ErrorBox error={run.error} id="run-error" fallback="The operation failed" />
      {(run.items || run.result) && <ResultView items={run.items} result={run.result} />}
    </>
  );
}

export function RunOperation({ catalog, connectionId, operation }) {
  const [connection, setConnection] = useState(null);
  const [form, setForm] = useState(null);
  const [error, setError] = useState(null);

  useEffect(() => {
    let live = true;
    setError(null);
    api.get(paths.connection(connectionId)).then((c) => live && setConnection(c), (e) => live && setError(e));
    return () => { live = false; };
  }, [connectionId]);
  useEffect(() => {
    let live = true;
    setForm(null);
    if (connection && operation) {
      api.get(paths.form(connection.connector_id, operation)).then((f) => live && setForm(f), (e) => live && setError(e));
    }
    return () => { live = false; };
  }, [connection, operation]);

  if (error) return <ErrorPage error={error} title="Run an operation" />;
  if (!connection) return <p className="muted">Loading…</p>;
  const connector = catalog.connectors.find((c) => c.id === connection.connector_id);
  const base = `/connections/${encodeURIComponent(connection.id)}`;
  const op = connector && connector.operations.find((o) => o.id === operation);
  return (
    <section>
      <h2>Run {op ? op.label : "an operation"} <span className="muted">on <Link to={base}>{connection.name}</Link></span></h2>
      {connector && <OperationPicker connector={connector} base={base} operation={operation} />}
      {operation && !form && <p className="muted">Loading the form…</p>}
      {form && <RunForm key={operation} connection={connection} operation={operation} form={form} runsAsJob={op && op.runs_as_job} />}
    </section>
  );
}
