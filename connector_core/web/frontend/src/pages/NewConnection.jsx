// A new connection: the connector's form, "Test connection" on the draft, Save.
import { useEffect, useState } from "react";
import { api, paths } from "../api.js";
import { ConnectionEditor } from "../components/ConnectionEditor.jsx";
import { ErrorBox } from "../components/ErrorBox.jsx";
import { Link, navigate } from "../router.jsx";

export function NewConnection({ catalog, connectorId }) {
  const connector = catalog.connectors.find((c) => c.id === connectorId);
  const [form, setForm] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    setForm(null); setError(null);
    if (connector) api.get(paths.form(connector.id)).then(setForm, setError);
  }, [connectorId]);

  if (!connector) {
    return (
      <section>
        <h2>New connection</h2>
        {connectorId && <ErrorBox error={{ code: "not_found", message: `There is no connector ${connectorId}.`, status: 0 }} />}
        <p>Pick a connector:</p>
        <ul>
          {catalog.connectors.map((c) => (
            <li key={c.id}><Link to={`/connections/new?connector=${encodeURIComponent(c.id)}`}>{c.name}</Link></li>
          ))}
        </ul>
      </section>
    );
  }
  return (
    <section>
      <h2>New {connector.name} connection</h2>
      <ErrorBox error={error} />
      {!form && !error && <p className="muted">Loading the form…</p>}
      {form && (
        <ConnectionEditor connectorId={connector.id} form={form}
          onSaved={(saved) => navigate(`/connections/${encodeURIComponent(saved.id)}?saved=1`)} />
      )}
    </section>
  );
}
