// A job's state as a badge and its progress as a bar, for the jobs list and a job's page.
import { Progress } from "./Progress.jsx";

export const STATE_LABELS = {
  queued: "Queued", running: "Running", succeeded: "Succeeded", failed: "Failed", cancelled: "Cancelled",
};

export function JobState({ job, id }) {
  const note = job.cancel_requested && job.live ? " (cancelling…)" : "";
  return <span id={id} className={`job-state ${job.state}`} data-state={job.state}>{STATE_LABELS[job.state] || job.state}{note}</span>;
}

/** The last progress the job reported; a finished job without reports shows a full or empty bar. */
export function JobProgress({ job, id, updates = 0, label }) {
  const p = job.progress;
  if (p) return <Progress id={id} label={label} done={p.done} total={p.total || 0} unit={p.unit || ""} updates={updates} />;
  const done = job.state === "succeeded" ? 1 : 0;
  return <Progress id={id} label={label} done={done} total={job.live ? 0 : 1} unit={null} updates={updates} />;
}

export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined) return "";
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 120) return `${seconds.toFixed(1)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

export const formatTime = (iso) => (iso ? new Date(iso).toLocaleString() : "");

/** operation id -> label, from the catalog, for a connector. */
export function operationLabel(catalog, connectorId, operation) {
  const connector = catalog.connectors.find((c) => c.id === connectorId);
  const op = connector && connector.operations.find((o) => o.id === operation);
  return op ? op.label : operation;
}
