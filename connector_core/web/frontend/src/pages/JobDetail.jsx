// One job: its state and progress (re-read while it is live), chunk counts of a fan-out,
// timing, a Cancel button, the error, the result, and the per-entry outcomes a page at a
// time (failed ones highlighted, or shown alone).
import { useEffect, useRef, useState } from "react";
import { api, paths } from "../api.js";
import { ErrorBox } from "../components/ErrorBox.jsx";
import { JobProgress, JobState, formatDuration, formatTime, operationLabel } from "../components/JobStatus.jsx";
import { RecordTable, ResultView } from "../components/ResultView.jsx";
import { usePolling } from "../poll.js";
import { Link } from "../router.jsx";

const OUTCOMES_PAGE = 500;

/** Counts how often the reported progress changed, so a test can tell a bar that moved from one that jumped. */
function useProgressUpdates(job) {
  const seen = useRef({ done: null, updates: 0 });
  const done = job && job.progress ? job.progress.done : null;
  if (done !== null && done !== seen.current.done) seen.current = { done, updates: seen.current.updates + 1 };
  return seen.current.updates;
}

function Chunks({ chunks }) {
  const parts = Object.entries(chunks.states).filter(([, n]) => n > 0).map(([state, n]) => `${n} ${state}`);
  return (
    <p id="job-chunks" data-total={chunks.total} data-succeeded={chunks.states.succeeded}>
      Split into {chunks.total} chunk jobs of up to {chunks.chunk_size.toLocaleString("en-US")} entries: {parts.join(", ") || "none started"}.
    </p>
  );
}

function Outcomes({ job, offset, setOffset, failedOnly, setFailedOnly }) {
  const page = job.outcomes_page;
  const ok = job.outcomes_total - job.outcomes_failed;
  return (
    <section id="job-outcomes-section">
      <h3>Outcomes</h3>
      <p id="job-outcome-counts" data-total={job.outcomes_total} data-failed={job.outcomes_failed}>
        {job.outcomes_total.toLocaleString("en-US")} entries: {ok.toLocaleString("en-US")} ok, {job.outcomes_failed.toLocaleString("en-US")} failed.
      </p>
      <label>
        <input type="checkbox" id="failed-only" checked={failedOnly} onChange={(e) => { setOffset(0); setFailedOnly(e.target.checked); }} /> Failed entries only
      </label>
      {job.outcomes.length > 0 ? (
        <RecordTable id="job-outcomes" rows={job.outcomes}
          caption={`Entries ${page.offset + 1}–${page.offset + job.outcomes.length} of ${page.matching.toLocaleString("en-US")}${failedOnly ? " failed" : ""}`} />
      ) : <p className="muted" id="no-outcomes">No {failedOnly ? "failed " : ""}entries.</p>}
      <p className="pager">
        {offset > 0 && <button type="button" id="previous-outcomes" onClick={() => setOffset(Math.max(0, offset - OUTCOMES_PAGE))}>Previous</button>}{" "}
        {offset + OUTCOMES_PAGE < page.matching && <button type="button" id="next-outcomes" onClick={() => setOffset(offset + OUTCOMES_PAGE)}>Next</button>}
      </p>
    </section>
  );
}

export function JobDetail({ catalog, jobId }) {
  const [offset, setOffset] = useState(0);
  const [failedOnly, setFailedOnly] = useState(false);
  const path = `${paths.job(jobId)}?outcomes_offset=${offset}&outcomes_limit=${OUTCOMES_PAGE}${failedOnly ? "&failed=1" : ""}`;
  const { data: job, error, reload } = usePolling(path, (j) => j.live);
  const [cancelError, setCancelError] = useState(null);
  const [cancelling, setCancelling] = useState(false);
  const updates = useProgressUpdates(job);
  const [connectionName, setConnectionName] = useState(null);
  const connectionId = job ? job.connection_id : null;
  useEffect(() => {
    if (!connectionId) return;
    api.get(paths.connection(connectionId)).then((c) => setConnectionName(c.name), () => setConnectionName(""));  // "": deleted since
  }, [connectionId]);

  if (!job) {
    return (
      <section>
        <h2>{error && error.status === 404 ? "Job not found" : "Job"}</h2>
        {error ? <ErrorBox error={error} id="job-load-error" /> : <p className="muted">Loading…</p>}
        <p><Link to="/jobs">All jobs</Link></p>
      </section>
    );
  }
  const cancel = async () => {
    setCancelling(true);
    setCancelError(null);
    try { await api.post(paths.cancelJob(job.id)); reload(); } catch (e) { setCancelError(e); } finally { setCancelling(false); }
  };
  const failure = job.error && { code: job.error.error, message: job.error.message, hint: job.error.hint, status: 0 };
  const connection = `/connections/${encodeURIComponent(job.connection_id)}`;
  return (
    <section id="job" data-job={job.id} data-live={job.live ? "true" : "false"}>
      <h2>Job: {operationLabel(catalog, job.connector_id, job.operation)} <span className="muted">on {connectionName === "" ? <>a deleted connection</> : <Link to={connection} id="job-connection">{connectionName || "…"}</Link>}</span></h2>
      <p><Link to="/jobs">All jobs</Link></p>
      <p>State: <JobState job={job} id="job-state" />{" "}
        {job.live && (
          <button type="button" id="cancel-job" className="danger" onClick={cancel} disabled={cancelling || job.cancel_requested}>
            {job.cancel_requested ? "Cancelling…" : "Cancel"}
          </button>
        )}
      </p>
      <ErrorBox error={cancelError} id="cancel-error" />
      <JobProgress job={job} id="job-progress" label="Progress" updates={updates} />
      {job.chunks && <Chunks chunks={job.chunks} />}
      <dl id="job-timing" className="result-values">
        <div><dt>Created</dt><dd>{formatTime(job.created_at)}</dd></div>
        <div><dt>Started</dt><dd>{formatTime(job.started_at) || "not yet"}</dd></div>
        <div><dt>Finished</dt><dd>{formatTime(job.finished_at) || "not yet"}</dd></div>
        <div><dt>Duration</dt><dd id="job-duration">{formatDuration(job.duration)}</dd></div>
        <div><dt>Attempts</dt><dd>{job.attempts} of at most {job.max_attempts}</dd></div>
      </dl>
      <ErrorBox error={failure} id="job-error" fallback={job.state === "cancelled" ? "The job was cancelled" : "The job failed"} />
      {job.outcomes && <Outcomes job={job} offset={offset} setOffset={setOffset} failedOnly={failedOnly} setFailedOnly={setFailedOnly} />}
      {job.result && (
        <>
          <h3>Result{job.result_truncated ? " (lists cut to their first 1,000 entries)" : ""}</h3>
          <ResultView id="job-result" result={job.result} />
        </>
      )}
    </section>
  );
}
