/**
 * The operator API over fetch: bearer token on every call, JSON in and out, and every
 * failure turned into an ApiError carrying the `{ error: { code, message } }` of CONTRACT.md.
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
  const headers = { accept: 'application/json' };
  const token = currentToken();
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
  } catch (e) {
    if (e?.name === 'AbortError') throw e;
    throw new ApiError(0, 'NETWORK', 'the platform did not answer; check the connection');
  }
  const text = await response.text();
  let json;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (response.ok) return json;
  const { code, message, ...details } = json?.error ?? {};
  const error = new ApiError(
    response.status,
    typeof code === 'string' ? code : `HTTP_${response.status}`,
    typeof message === 'string' ? message : `${method} ${path} answered ${response.status}`,
    details,
  );
  // A 401 with a token means the session is over (expired, revoked); the login itself is not a session.
  if (response.status === 401 && token) onUnauthorized(error);
  throw error;
}

/** `path?k=v&...` with empty values left out. */
export function withQuery(path, params) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') query.set(k, String(v));
  const s = query.toString();
  return s ? `${path}?${s}` : path;
}
