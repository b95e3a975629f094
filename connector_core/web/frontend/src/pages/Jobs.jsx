// The tenant's jobs, newest first, a page at a time: state and progress of each, re-read
// while any job on the page is still queued or running.
import { useEffect, useState } from "react";
import { api, paths } from "../api.js";
import { ErrorBox } from "../components/ErrorBox.jsx";
import { JobProgress, JobState, formatDuration, formatTime, operationLabel } from "../components/JobStatus.jsx";
import { usePolling } from "../poll.js";
import { Link } from "../router.jsx";

const PAGE = 25;

export function Jobs({ catalog }) {
  const [cursors, setCursors] = useState([null]); // the `before` of each page seen; the last is shown
  const before = cursors[cursors.length - 1];
  const path = `${paths.jobs}?limit=${PAGE}${before ? `&before=${encodeURIComponent(before)}` : ""}`;
  const { data, error } = usePolling(path, (d) => d.jobs.some((j) => j.live));
  const [names, setNames] = useState({});
  useEffect(() => {
    api.get("/api/connections").then((d) => setNames(Object.fromEntries(d.connections.map((c) => [c.id, c.name]))), () => {});
  }, []);
  const live = data ? data.jobs.filter((j) => j.live).length : 0;
  return (
    <section>
      <h2>Jobs</h2>
      <p className="muted">Operations running in the background. Start one from a connection's Run page with “Run in background”.</p>
      <ErrorBox error={error} id="jobs-error" />
      {!data && !error && <p className="muted">Loading…</p>}
      {data && data.jobs.length === 0 && <p id="no-jobs">No jobs yet.</p>}
      {data && data.jobs.length > 0 && (
        <table id="job-list" className="records" data-live={live}>
          <thead><tr><th scope="col">Operation</th><th scope="col">Connection</th><th scope="col">State</th><th scope="col">Progress</th><th scope="col">Created</th><th scope="col">Duration</th></tr></thead>
          <tbody>
            {data.jobs.map((job) => (
              <tr key={job.id} data-job={job.id} data-state={job.state} className={job.state === "failed" ? "failed" : undefined}>
                <td><Link to={`/jobs/${encodeURIComponent(job.id)}`}>{operationLabel(catalog, job.connector_id, job.operation)}</Link></td>
                <td>{names[job.connection_id] || <code>{job.connection_id}</code>}</td>
                <td><JobState job={job} /></td>
                <td><JobProgress job={job} id={`progress-${job.id}`} /></td>
                <td>{formatTime(job.created_at)}</td>
                <td>{formatDuration(job.duration)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="pager">
        {cursors.length > 1 && <button type="button" id="newer-jobs" onClick={() => setCursors((c) => c.slice(0, -1))}>Newer</button>}{" "}
        {data && data.next && <button type="button" id="older-jobs" onClick={() => setCursors((c) => [...c, data.next])}>Older</button>}
      </p>
    </section>
  );
}
