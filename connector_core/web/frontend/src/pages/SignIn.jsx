// Sign in with a tenant's API token; the host answers with a session cookie and a CSRF token.
import { useState } from "react";
import { api } from "../api.js";
import { ErrorBox } from "../components/ErrorBox.jsx";

export function SignIn({ onSignedIn, reason }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true); setError(null);
    try {
      onSignedIn(await api.post("/api/session", { token: token.trim() }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="sign-in">
      <h2>Sign in</h2>
      {reason && <p className="muted" id="sign-in-reason">{reason}</p>}
      <form onSubmit={submit}>
        <div className="form-group">
          <label htmlFor="token">API token</label>
          <input id="token" type="password" autoComplete="off" spellCheck={false} value={token}
            placeholder="cct_…" onChange={(e) => setToken(e.target.value)} required />
          <p className="help-block">Your tenant's API token (<code>connectors serve</code> prints one for the demo tenant).</p>
        </div>
        <button type="submit" id="sign-in" className="btn-info" disabled={busy || !token.trim()}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
      <ErrorBox error={error} title="Sign-in refused" />
    </section>
  );
}
