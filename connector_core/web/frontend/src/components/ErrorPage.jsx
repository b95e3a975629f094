// A page that could not load what it shows (a connection not found, say): why, and a way back.
import { Link } from "../router.jsx";
import { ErrorBox } from "./ErrorBox.jsx";

export function ErrorPage({ error, title }) {
  return (
    <section>
      <h2>{error.status === 404 ? "Connection not found" : title}</h2>
      <ErrorBox error={error} />
      <p><Link to="/connections">Back to your connections</Link></p>
    </section>
  );
}
