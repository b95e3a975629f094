// A 4xx/5xx JSON error as a user reads it: the message, the hint, which fields, the status.

const TITLES = {
  not_found: "Not found",
  unauthenticated: "Signed out",
  csrf: "Refused: the page's session token did not match",
  rate_limited: "Too many requests",
  invalid: "Some values are not valid",
  network: "The host could not be reached",
};

/** `title` replaces the heading; `fallback` is the heading for codes without one of their own. */
export function ErrorBox({ error, id = "error", title, fallback }) {
  if (!error) return null;
  const status = error.status || 0;
  const heading = title || TITLES[error.code] || fallback || (status >= 500 ? "The host failed" : "The request was refused");
  const fieldErrors = error.errors ? Object.entries(error.errors) : [];
  return (
    <div className="error-box" role="alert" id={id} data-code={error.code} data-status={status}>
      <strong>{heading}</strong>
      <p className="error-message">{error.message}</p>
      {error.hint && <p className="error-hint">Hint: {error.hint}</p>}
      {error.retryAfter && <p className="error-hint">Try again in {error.retryAfter} s.</p>}
      {fieldErrors.length > 0 && (
        <ul className="error-fields">
          {fieldErrors.map(([path, messages]) => <li key={path}><code>{path}</code>: {messages.join("; ")}</li>)}
        </ul>
      )}
      {status > 0 && <p className="muted">HTTP {status}{error.code ? ` · ${error.code}` : ""}</p>}
    </div>
  );
}

/** Plugins the host could not load: named with the reason, never silently missing. */
export function LoadFailures({ failures }) {
  if (!failures || failures.length === 0) return null;
  return (
    <div className="failures" role="alert">
      {failures.map((f) => <p key={f.plugin}>Plugin {f.plugin} failed to load: {f.reason}</p>)}
    </div>
  );
}
