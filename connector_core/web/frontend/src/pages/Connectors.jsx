// The catalog: every connector the host offers, with a link to create a connection.
import { LoadFailures } from "../components/ErrorBox.jsx";
import { Link } from "../router.jsx";

export function Connectors({ catalog }) {
  return (
    <section>
      <h2>Connectors</h2>
      <ul className="cards" id="connector-list">
        {catalog.connectors.map((c) => (
          <li key={c.id} className="card" data-connector={c.id}>
            <h3>{c.name}</h3>
            <p className="muted">{c.id} · version {c.version} · {c.operations.length} operations</p>
            {c.description && <p>{c.description}</p>}
            <Link to={`/connections/new?connector=${encodeURIComponent(c.id)}`} className="button-link" id={`new-${c.id}`}>
              New connection
            </Link>{" "}
            <a href={`/#/${c.id}`} className="muted">See its forms</a>
          </li>
        ))}
      </ul>
      <LoadFailures failures={catalog.failures} />
    </section>
  );
}
