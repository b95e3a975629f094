// Client-side routes (history API): the host serves the same index.html for every page path.
import { useEffect, useState } from "react";

const listeners = new Set();

function current() {
  return { path: location.pathname, query: new URLSearchParams(location.search), hash: location.hash };
}

/** Go to `to` (path + query) without a reload; `replace` keeps the back button sensible for redirects. */
export function navigate(to, { replace = false } = {}) {
  if (replace) history.replaceState(null, "", to); else history.pushState(null, "", to);
  window.scrollTo(0, 0);
  for (const listener of listeners) listener();
}

/** The current location; re-renders on navigate(), back/forward and hash changes. */
export function useLocation() {
  const [location_, setLocation] = useState(current);
  useEffect(() => {
    const update = () => setLocation(current());
    listeners.add(update);
    window.addEventListener("popstate", update);
    window.addEventListener("hashchange", update);
    return () => {
      listeners.delete(update);
      window.removeEventListener("popstate", update);
      window.removeEventListener("hashchange", update);
    };
  }, []);
  return location_;
}

/** A link that navigates in the page (a modified click still opens a new tab as usual). */
export function Link({ to, children, ...rest }) {
  const onClick = (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={onClick} {...rest}>{children}</a>;
}

/** Match `path` against patterns like "/connections/:id/run"; the params, or null. */
export function match(pattern, path) {
  const want = pattern.split("/");
  const got = path.replace(/\/+$/, "").split("/");
  if (want.length !== got.length) return null;
  const params = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(":")) params[want[i].slice(1)] = decodeURIComponent(got[i]);
    else if (want[i] !== got[i]) return null;
  }
  return params;
}
