// The tenant's saved connections: edit, run an operation, delete (confirmed in the page).
import { useEffect, useState } from "react";
import { api, paths } from "../api.js";
import { ErrorBox } from "../components/ErrorBox.jsx";
import { Link } from "../router.jsx";

function DeleteButton({ connection, onDeleted, onError }) {
  const [asking, setAsking] = useState(false);
  if (!asking) return <button type="button" className="link-button" onClick={() => setAsking(true)}>Delete</button>;
  const remove = async () => {
    try {
      await api.del(paths.connection(connection.id));
      onDeleted(connection.id);
    } catch (e) {
      onError(e);
      setAsking(false);
    }
  };
  return (
    <span className="confirm">
      Delete “{connection.name}”?{" "}
      <button type="button" className="danger" onClick={remove}>Yes, delete</button>{" "}
      <button type="button" onClick={() => setAsking(false)}>Keep</button>
    </span>
  );
}

export function Connections({ catalog }) {
  const [connections, setConnections] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    api.get("/api/connections").then((data) => setConnections(data.connections), setError);
  }, []);
  const names = Object.fromEntries(catalog.connectors.map((c) => [c.id, c.name]));
  return (
    <section>
      <h2>Connections</h2>
      <p><Link to="/connectors" className="button-link" id="new-connection">New connection</Link></p>
      <ErrorBox error={error} />
      {connections === null && !error && <p className="muted">Loading…</p>}
      {connections && connections.length === 0 && <p id="no-connections">No connections yet: pick a connector to create one.</p>}
      {connections && connections.length > 0 && (
        <table id="connection-list" className="records">
          <thead><tr><th scope="col">Name</th><th scope="col">Connector</th><th scope="col">Updated</th><th scope="col">Actions</th></tr></thead>
          <tbody>
            {connections.map((c) => (
              <tr key={c.id} data-connection={c.id}>
                <td><Link to={`/connections/${encodeURIComponent(c.id)}`}>{c.name}</Link></td>
                <td>{names[c.connector_id] || c.connector_id} <span className="muted">(manifest {c.manifest_version})</span></td>
                <td>{c.updated_at ? new Date(c.updated_at).toLocaleString() : ""}</td>
                <td>
                  <Link to={`/connections/${encodeURIComponent(c.id)}`}>Edit</Link>{" · "}
                  <Link to={`/connections/${encodeURIComponent(c.id)}/run`}>Run</Link>{" · "}
                  <DeleteButton connection={c} onError={setError}
                    onDeleted={(id) => setConnections((list) => list.filter((x) => x.id !== id))} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
