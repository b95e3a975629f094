// The reference host's pages: sign in with a token, then the catalog, connections (new,
// edit + test, list), runs and jobs, on client-side routes. `/#/<connector>` is the form explorer.
import { StrictMode, useCallback, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { api, onUnauthenticated, setCsrfToken } from "./api.js";
import { ErrorBox } from "./components/ErrorBox.jsx";
import { Layout } from "./components/Layout.jsx";
import { Connections } from "./pages/Connections.jsx";
import { Connectors } from "./pages/Connectors.jsx";
import { EditConnection } from "./pages/EditConnection.jsx";
import { Explorer } from "./pages/Explorer.jsx";
import { JobDetail } from "./pages/JobDetail.jsx";
import { Jobs } from "./pages/Jobs.jsx";
import { NewConnection } from "./pages/NewConnection.jsx";
import { RunOperation } from "./pages/RunOperation.jsx";
import { SignIn } from "./pages/SignIn.jsx";
import { Link, match, navigate, useLocation } from "./router.jsx";

function Page({ location: loc, catalog }) {
  const { path, query } = loc;
  if (path === "/" && loc.hash.startsWith("#/")) return <Explorer catalog={catalog} hash={loc.hash} />;
  if (path === "/") return null; // signed in: App moves on to /connectors
  if (path === "/connectors") return <Connectors catalog={catalog} />;
  if (path === "/connections") return <Connections catalog={catalog} />;
  if (path === "/jobs") return <Jobs catalog={catalog} />;
  if (path === "/connections/new") return <NewConnection catalog={catalog} connectorId={query.get("connector") || ""} />;
  let params = match("/connections/:id", path);
  if (params) return <EditConnection key={params.id} catalog={catalog} connectionId={params.id} justSaved={query.get("saved") === "1"} />;
  params = match("/jobs/:id", path);
  if (params) return <JobDetail key={params.id} catalog={catalog} jobId={params.id} />;
  params = match("/connections/:id/run", path);
  if (params) return <RunOperation key={params.id} catalog={catalog} connectionId={params.id} operation={query.get("operation") || ""} />;
  return (
    <section>
      <h2>Not found</h2>
      <p>There is no page at <code>{path}</code>. <Link to="/connections">Your connections</Link></p>
    </section>
  );
}

function App() {
  const loc = useLocation();
  const [session, setSession] = useState(undefined); // undefined: asking; null: signed out; "open": a host without sign-in
  const [reason, setReason] = useState(null);
  const [catalog, setCatalog] = useState(null);
  const [error, setError] = useState(null);

  const signedIn = useCallback((s) => { setCsrfToken(s.csrf_token); setReason(null); setSession(s); }, []);
  useEffect(() => {
    onUnauthenticated(() => setSession((s) => {
      if (s) setReason("Your session has ended; sign in again.");
      setCsrfToken(null);
      return null;
    }));
    api.get("/api/session").then((s) => (s.sign_in === false ? setSession("open") : signedIn(s)), () => setSession(null));
  }, []);
  useEffect(() => {
    if (!session) { setCatalog(null); return; }
    api.get("/api/connectors").then(setCatalog, setError);
  }, [session]);
  // `/` is the sign-in page: once signed in, go on to the catalog.
  useEffect(() => {
    if (session && session !== "open" && loc.path === "/" && !loc.hash.startsWith("#/")) navigate("/connectors", { replace: true });
  }, [session, loc.path, loc.hash]);

  const signOut = async () => {
    try { await api.del("/api/session"); } catch (e) { if (e.status !== 401) { setError(e); return; } }
    setCsrfToken(null); setSession(null); setReason("Signed out."); navigate("/");
  };

  if (session === undefined) return <p className="muted loading">Loading…</p>;
  const open = session === "open";
  const path = open && !loc.hash ? "/" : loc.path;
  const explorer = session && catalog && (open || (loc.path === "/" && loc.hash.startsWith("#/")));
  return (
    <Layout session={open ? null : session} path={path} onSignOut={signOut} bare={explorer}>
      <ErrorBox error={error} id="app-error" />
      {!session && <SignIn reason={reason} onSignedIn={signedIn} />}
      {session && !catalog && !error && <p className="muted">Loading…</p>}
      {session && catalog && <Page location={open ? { ...loc, path: "/", hash: loc.hash || "#/" } : loc} catalog={catalog} />}
    </Layout>
  );
}

createRoot(document.getElementById("root")).render(<StrictMode><App /></StrictMode>);
