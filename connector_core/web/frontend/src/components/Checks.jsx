// "Test connection" results: one line per check, with the hint of each failed one.

const MARKS = { passed: "✓", failed: "✗", skipped: "–" };

export function Checks({ outcome }) {
  if (!outcome) return null;
  const count = (status) => outcome.checks.filter((c) => (c.status || (c.ok ? "passed" : "failed")) === status).length;
  const summary = [["passed", count("passed")], ["failed", count("failed")], ["skipped", count("skipped")]]
    .filter(([, n]) => n > 0).map(([status, n]) => `${n} ${status}`).join(", ");
  return (
    <section id="test-result" className={`checks ${outcome.ok ? "ok" : "failed"}`} data-ok={String(outcome.ok)} aria-live="polite">
      <h3>{outcome.ok ? "All checks passed" : "Some checks failed"} ({summary})</h3>
      <ul>
        {outcome.checks.map((check) => {
          const status = check.status || (check.ok ? "passed" : "failed");
          return (
            <li key={check.name} className={`check ${status}`} data-check={check.name} data-ok={String(check.ok)} data-status={status}>
              <span className="mark" aria-hidden="true">{MARKS[status] || "?"}</span>{" "}
              <strong>{check.label || check.name}</strong>
              {status === "skipped" && <span className="muted"> (skipped)</span>}
              {check.message && <span>: {check.message}</span>}
              {!check.ok && check.hint && <p className="check-hint">Hint: {check.hint}</p>}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
