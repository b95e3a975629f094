// A long-lived Ajv2020 validator for Python tests (connector_core/testing/ajv.py).
//
// Reads one JSON request per line on stdin: {"schema": {...}, "documents": [...]}.
// Writes one JSON line per request: {"ok": true, "warnings": [...], "results": [...]}
// or {"ok": false, "error": "..."} when the schema does not compile.
// Ajv2020 with ajv-formats and Ajv's default (strict) options: exactly what the form
// page's bundle uses, built from the same lockfile. Compiled schemas are cached.
import readline from "node:readline";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const CACHE_LIMIT = 64;
const cache = new Map(); // schema text -> {validate, warnings}

function compile(schemaText) {
  let entry = cache.get(schemaText);
  if (entry) return entry;
  const warnings = [];
  const logger = {
    log: () => {},
    warn: (...args) => warnings.push(args.join(" ")),
    error: (...args) => warnings.push(args.join(" ")),
  };
  const ajv = new Ajv2020({ allErrors: true, logger });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(schemaText));
  entry = { validate, warnings };
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value);
  cache.set(schemaText, entry);
  return entry;
}

function handle(line) {
  const request = JSON.parse(line);
  let entry;
  try {
    entry = compile(JSON.stringify(request.schema));
  } catch (err) {
    return { ok: false, error: String(err && err.message ? err.message : err) };
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
