// The frame of every signed-in page: where you are, who you are, and signing out.
import { Link } from "../router.jsx";

const SECTIONS = [
  { to: "/connectors", label: "Connectors", prefix: "/connectors" },
  { to: "/connections", label: "Connections", prefix: "/connections" },
  { to: "/jobs", label: "Jobs", prefix: "/jobs" },
];

/** `bare`: the page brings its own <main> and layout (the form explorer). */
export function Layout({ session, path, onSignOut, bare, children }) {
  return (
    <>
      <header className="topbar">
        <h1><Link to={session ? "/connections" : "/"}>Connector host</Link></h1>
        {session && (
          <>
            <nav aria-label="Main">
              {SECTIONS.map((s) => (
                <Link key={s.to} to={s.to} id={`nav-${s.label.toLowerCase()}`} aria-current={path.startsWith(s.prefix) ? "page" : undefined}>{s.label}</Link>
              ))}
              <a href="/#/">Form explorer</a>
            </nav>
            <span className="who">
              Tenant <strong id="tenant-name">{session.tenant}</strong>{" "}
              <button type="button" id="sign-out" onClick={onSignOut}>Sign out</button>
            </span>
          </>
        )}
      </header>
      {bare ? children : <main className="page">{children}</main>}
    </>
  );
}
