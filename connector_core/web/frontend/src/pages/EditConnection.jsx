// A saved connection: edit and test it (stored secrets kept when left blank), run operations.
import { useEffect, useState } from "react";
import { api, paths } from "../api.js";
import { ConnectionEditor } from "../components/ConnectionEditor.jsx";
import { ErrorPage } from "../components/ErrorPage.jsx";
import { Link, navigate } from "../router.jsx";

export function EditConnection({ catalog, connectionId, justSaved }) {
  const [connection, setConnection] = useState(null);
  const [form, setForm] = useState(null);
  const [error, setError] = useState(null);
  const [version, setVersion] = useState(0); // remounts the editor with what the host stored

  useEffect(() => {
    let live = true;
    setConnection(null); setForm(null); setError(null);
    api.get(paths.connection(connectionId))
      .then(async (c) => {
        const f = await api.get(paths.form(c.connector_id));
        if (live) { setConnection(c); setForm(f); }
      })
      .catch((e) => live && setError(e));
    return () => { live = false; };
  }, [connectionId]);

  if (error) return <ErrorPage error={error} title="Connection" />;
  if (!connection || !form) return <p className="muted">Loading…</p>;
  const connector = catalog.connectors.find((c) => c.id === connection.connector_id);
  const base = `/connections/${encodeURIComponent(connection.id)}`;
  return (
    <section>
      <h2 id="connection-title">{connection.name}</h2>
      <p className="muted">
        {connector ? connector.name : connection.connector_id} · made with manifest {connection.manifest_version}
        {connection.updated_at && <> · updated {new Date(connection.updated_at).toLocaleString()}</>}
      </p>
      {justSaved && <p className="notice" id="saved-notice" role="status">Saved.</p>}
      {connector && (
        <details className="operations" open>
          <summary>Run an operation</summary>
          <ul id="operation-links">
            {connector.operations.map((op) => (
              <li key={op.id}><Link to={`${base}/run?operation=${encodeURIComponent(op.id)}`}>{op.label}</Link></li>
            ))}
          </ul>
        </details>
      )}
      <h3>Edit</h3>
      <ConnectionEditor key={version} connectorId={connection.connector_id} form={form} connection={connection}
        onSaved={(saved) => { setConnection(saved); setVersion((v) => v + 1); navigate(`${base}?saved=1`, { replace: true }); }} />
    </section>
  );
}
