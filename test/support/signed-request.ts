import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sign } from '../../server/auth/signature.ts';
import { secretOf } from './platform.ts';

export interface SignedOptions {
  participant: string;
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  /** Send this exact text as the body instead of JSON.stringify(body). */
  rawBody?: string;
  timestamp?: number;
  nonce?: string;
  secret?: string;
  /** Sign one body, send another. */
  tamper?: (raw: string) => string;
}

export function signedHeaders(o: SignedOptions): { headers: Record<string, string>; raw: string } {
  const raw = o.rawBody ?? (o.body === undefined ? '' : JSON.stringify(o.body));
  const timestamp = String(o.timestamp ?? Date.now());
  const nonce = o.nonce ?? randomUUID().replaceAll('-', '');
  const signature = sign(o.secret ?? secretOf(o.participant), { method: o.method, path: o.path, timestamp, nonce, rawBody: raw });
  const headers: Record<string, string> = {
    'x-participant-id': o.participant,
    'x-timestamp': timestamp,
    'x-nonce': nonce,
    'x-signature': signature,
  };
  if (raw !== '') headers['content-type'] = 'application/json';
  return { headers, raw };
}

/** A signed request through fastify's inject, as a participant would send it. */
export async function signed(app: FastifyInstance, o: SignedOptions) {
  const { headers, raw } = signedHeaders(o);
  const response = await app.inject({
    method: o.method,
    url: o.path,
    headers,
    ...(raw !== '' ? { payload: o.tamper ? o.tamper(raw) : raw } : {}),
  });
  return { status: response.statusCode, body: response.json() as Record<string, any>, headers: response.headers };
}
