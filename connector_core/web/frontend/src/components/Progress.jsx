// A labelled progress bar; `updates` counts the reports received, so a test can tell a bar
// that moved from one that jumped. `unit`: bytes (the default) are shown as KiB/MiB, any
// other unit as counts ("1,200 of 3,000 entries"); with no total, the bar is indeterminate.

function formatBytes(n) {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

const formatCount = (n) => Number(n).toLocaleString("en-US");

export function Progress({ id, label, done, total, unit = "bytes", updates = 0 }) {
  const percent = total > 0 ? Math.min(100, Math.floor((done * 100) / total)) : 0;
  const counts = unit === null ? "" : unit === "bytes" ? `${formatBytes(done)} of ${formatBytes(total)}`
    : total ? `${formatCount(done)} of ${formatCount(total)}${unit ? ` ${unit}` : ""}` : `${formatCount(done)}${unit ? ` ${unit}` : ""}`;
  return (
    <div className="progress" id={id} data-percent={percent} data-updates={updates} data-done={done}>
      {label && <label htmlFor={`${id}-bar`}>{label}</label>}
      {total ? <progress id={`${id}-bar`} max={total} value={done} /> : <progress id={`${id}-bar`} />}
      <span className="progress-text">{[total ? `${percent}%` : "", counts].filter(Boolean).join(" · ")}</span>
    </div>
  );
}
