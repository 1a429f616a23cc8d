import { Pool } from 'undici';
import { signedHeaders } from './signed-request.ts';

/** One request as the participant saw it: the answer, or how it went without one. */
export interface Exchange {
  /** The HTTP status, or `timeout` when the participant gave up first, `error` for a broken connection. */
  status: number | 'timeout' | 'error';
  body?: Record<string, any>;
  error?: string;
  /** Epoch ms when the signed request was handed to the connection pool, and when it ended. */
  sentAt: number;
  endedAt: number;
}

/**
 * A participant over real HTTP: keep-alive connections, every request signed afresh (new
 * timestamp and nonce), and a timeout after which it gives up on the answer and closes
 * the connection, as a participant's HTTP client would.
 */
export function participantHttp(baseUrl: string, options: { connections: number }) {
  const pool = new Pool(new URL(baseUrl).origin, { connections: options.connections, keepAliveTimeout: 30_000 });
  return {
    async post(participant: string, path: string, body: unknown, timeoutMs: number): Promise<Exchange> {
      const { headers, raw } = signedHeaders({ participant, method: 'POST', path, body });
      const sentAt = Date.now();
      try {
        const response = await pool.request({ method: 'POST', path, headers, body: raw, signal: AbortSignal.timeout(timeoutMs) });
        const text = await response.body.text();
        return { status: response.statusCode, body: text === '' ? undefined : (JSON.parse(text) as Record<string, any>), sentAt, endedAt: Date.now() };
      } catch (e) {
        const error = e as Error;
        const timedOut = error.name === 'TimeoutError' || error.name === 'AbortError';
        return { status: timedOut ? 'timeout' : 'error', error: `${error.name}: ${error.message}`, sentAt, endedAt: Date.now() };
      }
    },
    async get(path: string, timeoutMs: number): Promise<{ status: number; body: Record<string, any> }> {
      const response = await pool.request({ method: 'GET', path, signal: AbortSignal.timeout(timeoutMs) });
      return { status: response.statusCode, body: (await response.body.json()) as Record<string, any> };
    },
    async close(): Promise<void> {
      await pool.destroy();
    },
  };
}

export type ParticipantHttp = ReturnType<typeof participantHttp>;
