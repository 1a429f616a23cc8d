/**
 * The operator API over fetch: bearer token on every call, JSON in and out, and every
 * failure turned into an ApiError carrying the `{ error: { code, message } }` of docs/api.md.
 */
export class ApiError extends Error {
  constructor(status, code, message, details = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    /** Anything else the error body carried, e.g. `path` of RULE_INVALID. */
    this.details = details;
  }
}

let currentToken = () => undefined;
let onUnauthorized = () => {};

/** Where the token comes from and what to do when the server no longer accepts it. */
export function configureApi(options) {
  currentToken = options.token;
  onUnauthorized = options.onUnauthorized;
}

export async function api(path, { method = 'GET', body, signal } = {}) {
  const { response, token } = await send(path, { method, body, signal, accept: 'application/json' });
  const text = await response.text();
  const json = parseJson(text);
  if (response.ok) return json;
  throw failure(response, json, token, method, path);
}

/**
 * A file the API answers with (a report as CSV or Parquet): fetched with the bearer token
 * in its header, never in a URL, and handed back as a Blob with the name the server gave it.
 */
export async function apiFile(path, { method = 'POST', body, signal, accept = '*/*' } = {}) {
  const { response, token } = await send(path, { method, body, signal, accept });
  if (!response.ok) throw failure(response, parseJson(await response.text()), token, method, path);
  const blob = await response.blob();
  return { blob, filename: filenameOf(response.headers.get('content-disposition')) };
}

/**
 * A file sent as the request's body (an attachment), with its own Content-Type and any
 * headers the route names it by; the JSON answer back, or an ApiError.
 */
export async function apiUpload(path, file, { type, headers = {}, signal } = {}) {
  const { response, token } = await send(path, { method: 'POST', raw: file, type, headers, signal, accept: 'application/json' });
  const json = parseJson(await response.text());
  if (response.ok) return json;
  throw failure(response, json, token, 'POST', path);
}

async function send(path, { method, body, raw, type, headers: extra = {}, signal, accept }) {
  const headers = { ...extra, accept };
  const token = currentToken();
  if (token) headers.authorization = `Bearer ${token}`;
  if (raw !== undefined) headers['content-type'] = type;
  else if (body !== undefined) headers['content-type'] = 'application/json';
  try {
    const response = await fetch(path, { method, headers, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)), signal });
    return { response, token };
  } catch (e) {
    if (e?.name === 'AbortError') throw e;
    throw new ApiError(0, 'NETWORK', 'the platform did not answer; check the connection');
  }
}

function parseJson(text) {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

function failure(response, json, token, method, path) {
  const { code, message, ...details } = json?.error ?? {};
  const error = new ApiError(
    response.status,
    typeof code === 'string' ? code : `HTTP_${response.status}`,
    typeof message === 'string' ? message : `${method} ${path} answered ${response.status}`,
    details,
  );
  // A 401 with a token means the session is over (expired, revoked); the login itself is not a session.
  if (response.status === 401 && token) onUnauthorized(error);
  return error;
}

/** `attachment; filename="x.csv"` -> "x.csv"; anything unusual -> undefined. */
function filenameOf(disposition) {
  const match = /filename="([^"\\/]{1,200})"/.exec(disposition ?? '');
  return match ? match[1] : undefined;
}

/** `path?k=v&...` with empty values left out. */
export function withQuery(path, params) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') query.set(k, String(v));
  const s = query.toString();
  return s ? `${path}?${s}` : path;
}
