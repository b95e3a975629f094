// The host's JSON API as the pages use it: one error type, the CSRF header on every unsafe
// call, NDJSON run streams read line by line, file uploads with upload progress.

let csrfToken = null;
let onSignedOut = () => {};

/** Remember the session's CSRF token (null when signed out). */
export function setCsrfToken(token) { csrfToken = token; }

/** Called when the server says the session is gone (401), so the app can show sign-in. */
export function onUnauthenticated(callback) { onSignedOut = callback; }

/** A 4xx/5xx JSON error: `{error, message, hint?, errors?}` plus the HTTP status. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body.message || `the server answered ${status}`);
    this.status = status;
    this.code = body.error || "http_error";
    this.hint = body.hint || null;
    this.errors = body.errors || null;
    this.retryAfter = body.retry_after ?? null;
  }
}

const SAFE = new Set(["GET", "HEAD"]);

function headers(method, extra = {}) {
  const out = { ...extra };
  if (!SAFE.has(method) && csrfToken) out["X-CSRF-Token"] = csrfToken;
  return out;
}

async function errorFrom(response) {
  let body = {};
  try { body = await response.json(); } catch { body = { message: `the server answered ${response.status} ${response.statusText}` }; }
  if (response.status === 401) onSignedOut();
  const error = new ApiError(response.status, body);
  if (error.retryAfter === null && response.headers.get("retry-after")) error.retryAfter = response.headers.get("retry-after");
  return error;
}

/** `method path [body]` -> the parsed JSON reply (null for 204); throws ApiError otherwise. */
export async function request(method, path, body) {
  const init = { method, headers: headers(method), credentials: "same-origin" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, { error: "network", message: `the host could not be reached (${e.message})` });
  }
  if (!response.ok) throw await errorFrom(response);
  return response.status === 204 ? null : response.json();
}

export const api = {
  get: (path) => request("GET", path),
  post: (path, body) => request("POST", path, body ?? {}),
  put: (path, body) => request("PUT", path, body),
  del: (path) => request("DELETE", path),
};

/** Run an operation, calling `onEvent` for each NDJSON line (progress, page, result, error). */
export async function runStreamed(path, body, onEvent) {
  const response = await fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: headers("POST", { "Content-Type": "application/json", Accept: "application/x-ndjson" }),
    body: JSON.stringify(body),
  });
  if (!response.ok) throw await errorFrom(response);
  if (!(response.headers.get("content-type") || "").includes("ndjson")) {
    onEvent({ type: "result", result: (await response.json()).result });  // a host that does not stream
    return;
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  for (;;) {
    const { done, value } = await reader.read();
    buffered += decoder.decode(value || new Uint8Array(), { stream: !done });
    let newline;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line) onEvent(JSON.parse(line));
    }
    if (done) break;
  }
  if (buffered.trim()) onEvent(JSON.parse(buffered));
}

/** POST /api/files with the file as the raw body; XHR because fetch reports no upload progress. */
export function uploadFile(file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/files");
    for (const [name, value] of Object.entries(headers("POST", { "X-Filename": headerSafe(file.name) }))) {
      xhr.setRequestHeader(name, value);
    }
    xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch { body = { message: `the server answered ${xhr.status}` }; }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body);
      else {
        if (xhr.status === 401) onSignedOut();
        reject(new ApiError(xhr.status, body));
      }
    };
    xhr.onerror = () => reject(new ApiError(0, { error: "network", message: "the upload was interrupted" }));
    xhr.send(file);
  });
}

// Header values must be Latin-1: a name with other characters is sent percent-encoded.
const headerSafe = (name) => (/^[\x20-\x7e]*$/.test(name) ? name : encodeURIComponent(name));

export const paths = {
  connector: (id) => `/api/connectors/${encodeURIComponent(id)}`,
  form: (id, operation) => `/api/connectors/${encodeURIComponent(id)}/form` + (operation ? `?operation=${encodeURIComponent(operation)}` : ""),
  validate: (id, operation) => `/api/connectors/${encodeURIComponent(id)}/validate` + (operation ? `?operation=${encodeURIComponent(operation)}` : ""),
  options: (id, field) => `/api/connectors/${encodeURIComponent(id)}/options/${encodeURIComponent(field)}`,
  connection: (id) => `/api/connections/${encodeURIComponent(id)}`,
  test: (id) => `/api/connections/${encodeURIComponent(id)}/test`,
  run: (id, operation) => `/api/connections/${encodeURIComponent(id)}/run/${encodeURIComponent(operation)}`,
  file: (fileId) => `/api/files/${encodeURIComponent(fileId)}`,
  jobs: "/api/jobs",
  job: (id) => `/api/jobs/${encodeURIComponent(id)}`,
  cancelJob: (id) => `/api/jobs/${encodeURIComponent(id)}/cancel`,
};
