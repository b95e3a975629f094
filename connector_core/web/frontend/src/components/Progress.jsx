// A labelled progress bar; `updates` counts the reports received, so a test can tell a bar
// that moved from one that jumped.

function formatBytes(n) {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

export function Progress({ id, label, done, total, updates = 0 }) {
  const percent = total > 0 ? Math.min(100, Math.floor((done * 100) / total)) : 0;
  return (
    <div className="progress" id={id} data-percent={percent} data-updates={updates}>
      <label htmlFor={`${id}-bar`}>{label}</label>
      <progress id={`${id}-bar`} max={total || 1} value={done} />
      <span className="progress-text">{percent}% · {formatBytes(done)} of {formatBytes(total)}</span>
    </div>
  );
}
