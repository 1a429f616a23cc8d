import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { sign } from '../../server/auth/signature.ts';

/** Who signs a request: a participant id and its HMAC secret. */
export interface Signer {
  id: string;
  secret: string;
}

export interface SignedResponse {
  status: number;
  /** The parsed JSON body, or undefined when the body was not JSON. */
  body: unknown;
  /** From handing the signed request to the pool until the whole body was read. */
  latencyMs: number;
  /** Seconds from a Retry-After header (429, 503), when the answer had one. */
  retryAfterS?: number;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface SignedClient {
  /** `path` includes the query string; `rawBody` is sent byte for byte as signed. */
  send(signer: Signer, method: HttpMethod, path: string, rawBody?: string): Promise<SignedResponse>;
  /** Lets requests in flight finish for up to a second, then drops the connections. */
  close(): Promise<void>;
}

/** The participant API's authentication headers (docs/api.md), for one request. */
export function signedHeaders(
  signer: Signer,
  method: HttpMethod,
  path: string,
  rawBody: string,
  now: number = Date.now(),
): Record<string, string> {
  const timestamp = String(now);
  const nonce = randomUUID().replaceAll('-', '');
  const headers: Record<string, string> = {
    'x-participant-id': signer.id,
    'x-timestamp': timestamp,
    'x-nonce': nonce,
    'x-signature': sign(signer.secret, { method, path, timestamp, nonce, rawBody }),
  };
  // Declaring JSON with an empty body is a 400 in fastify, so only requests with a body say so.
  if (rawBody !== '') headers['content-type'] = 'application/json';
  return headers;
}

/** A keep-alive connection pool to one gateway that signs every request like a participant would. */
export function createSignedClient(baseUrl: string, options: { connections: number; timeoutMs?: number }): SignedClient {
  const timeout = options.timeoutMs ?? 30_000;
  const pool = new Pool(new URL(baseUrl).origin, {
    connections: options.connections,
    headersTimeout: timeout,
    bodyTimeout: timeout,
    keepAliveTimeout: 30_000,
  });
  return {
    async send(signer, method, path, rawBody = '') {
      const headers = signedHeaders(signer, method, path, rawBody);
      const started = performance.now();
      const response = await pool.request({
        method,
        path,
        headers,
        body: rawBody === '' ? null : rawBody,
      });
      const text = await response.body.text();
      const latencyMs = performance.now() - started;
      const retryAfter = Number(response.headers['retry-after']);
      return { status: response.statusCode, body: parseJson(text), latencyMs, ...(retryAfter >= 0 ? { retryAfterS: retryAfter } : {}) };
    },
    async close() {
      // close() waits for requests still pending; a gateway that stopped answering gets a second, then is cut off.
      const closed = pool.close();
      const timer = setTimeout(() => void pool.destroy().catch(() => undefined), 1000);
      await closed.catch(() => undefined);
      clearTimeout(timer);
    },
  };
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
