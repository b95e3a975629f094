// A long-lived Ajv2020 validator for Python tests (connector_core/testing/ajv.py).
//
// Reads one JSON request per line on stdin: {"key": "...", "schema": {...}, "documents": [...]}.
// "schema" may be left out once a key was sent with it: the compiled schema is kept under
// the key, so a schema is sent and parsed once, not with every document.
// Writes one JSON line per request: {"ok": true, "warnings": [...], "results": [...]},
// {"ok": false, "error": "..."} when the schema does not compile, or
// {"ok": false, "unknown_key": true} when a key was never sent with its schema.
// Ajv2020 with ajv-formats and Ajv's default (strict) options: exactly what the form
// page's bundle uses, built from the same lockfile. Compiled schemas are cached.
import readline from "node:readline";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const CACHE_LIMIT = 64;
const cache = new Map(); // key -> {validate, warnings}

function compile(key, schema) {
  const warnings = [];
  const logger = {
    log: () => {},
    warn: (...args) => warnings.push(args.join(" ")),
    error: (...args) => warnings.push(args.join(" ")),
  };
  const ajv = new Ajv2020({ allErrors: true, logger });
  addFormats(ajv);
  const entry = { validate: ajv.compile(schema), warnings };
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value);
  cache.set(key, entry);
  return entry;
}

function handle(line) {
  const request = JSON.parse(line);
  let entry = cache.get(request.key);
  if (!entry) {
    if (request.schema === undefined) return { ok: false, unknown_key: true };
    try {
      entry = compile(request.key, request.schema);
    } catch (err) {
      return { ok: false, error: String(err && err.message ? err.message : err) };
    }
  }
  const results = (request.documents || []).map((doc) => {
    if (entry.validate(doc)) return { valid: true };
    const errors = entry.validate.errors.map((e) => ({
      path: e.instancePath, keyword: e.keyword, message: e.message, schemaPath: e.schemaPath,
    }));
    return { valid: false, errors };
  });
  return { ok: true, warnings: entry.warnings, results };
}

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on("line", (line) => {
  if (!line.trim()) return;
  let reply;
  try {
    reply = handle(line);
  } catch (err) {
    reply = { ok: false, error: `bad request: ${err.message}` };
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
});
