// Server error paths ("auth.oauth.client_id", "entries[2].detail") -> an RJSF ErrorSchema.

const PATH = /^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*|\[\d+\])*$/;

export function splitPath(path) {
  const parts = [];
  for (const m of path.matchAll(/([A-Za-z_][\w-]*)|\[(\d+)\]/g)) parts.push(m[1] ?? Number(m[2]));
  return parts;
}

/** {path: [messages]} -> {errorSchema, unplaced}: rule errors (e.g. "a/b/c") go to the form's top. */
export function errorSchemaFromPaths(errors) {
  const errorSchema = {};
  const unplaced = [];
  for (const [path, messages] of Object.entries(errors)) {
    if (!PATH.test(path)) {
      unplaced.push([path, messages]);
      continue;
    }
    let node = errorSchema;
    for (const part of splitPath(path)) node = node[part] ??= {};
    node.__errors = [...(node.__errors || []), ...messages];
  }
  if (unplaced.length) {
    errorSchema.__errors = unplaced.map(([p, m]) => `${p}: ${m.join("; ")}`);
  }
  return { errorSchema, unplaced };
}
