import type { Socket } from 'node:net';
import { STATUS_CODES, type ServerResponse } from 'node:http';
import { Counter, type Registry } from 'prom-client';
import type { DomainError } from '../domain/result.ts';
import { statusOf } from './http-errors.ts';
import { registeredMetric } from './plugins/metrics.ts';

/** Why Node's HTTP server gave up on a connection before fastify saw a whole request. */
export type ClientErrorReason = 'headers_timeout' | 'body_timeout' | 'headers_too_large' | 'malformed';

const ANSWERS: Record<ClientErrorReason, DomainError> = {
  headers_timeout: { code: 'REQUEST_TIMEOUT', message: 'the request headers did not arrive in time' },
  body_timeout: { code: 'REQUEST_TIMEOUT', message: 'the request body did not arrive in time' },
  headers_too_large: { code: 'HEADERS_TOO_LARGE', message: 'the request headers are too large' },
  malformed: { code: 'BAD_REQUEST', message: 'the request is not valid HTTP' },
};

/** The raw answer, written straight to the socket: there is no request object to reply through. */
function rawAnswer(reason: ClientErrorReason): string {
  const { code, message } = ANSWERS[reason];
  const status = statusOf(code);
  const body = JSON.stringify({ error: { code, message } });
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}
const RAW_ANSWERS = Object.fromEntries((Object.keys(ANSWERS) as ClientErrorReason[]).map((r) => [r, rawAnswer(r)])) as Record<ClientErrorReason, string>;

function reasonOf(error: Error & { code?: string }, socket: Socket & { _httpMessage?: ServerResponse | null }): ClientErrorReason {
  // Node reports the headers timeout and the request timeout alike; a request whose headers
  // were complete already has its response object on the socket.
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return socket._httpMessage ? 'body_timeout' : 'headers_timeout';
  if (error.code === 'HPE_HEADER_OVERFLOW') return 'headers_too_large';
  return 'malformed';
}

/**
 * fastify's `clientErrorHandler`: what Node's HTTP server does with a connection whose request
 * timed out or could not be parsed. Answered in the platform's error shape (fastify's default
 * answers in its own) and counted in /metrics, then the connection is closed.
 */
export function clientErrorHandler(registry: Registry): (error: Error & { code?: string }, socket: Socket) => void {
  const errors = registeredMetric(registry, 'cpg_http_client_errors_total', () =>
    new Counter({
      name: 'cpg_http_client_errors_total',
      help: 'Connections closed before a whole request arrived: headers or body too slow (timeouts), headers too large, or not HTTP',
      labelNames: ['reason'],
      registers: [registry],
    }),
  );
  return (error, socket) => {
    // The peer went away: nothing to answer, nothing it did to count.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const withResponse = socket as Socket & { _httpMessage?: ServerResponse | null };
    const reason = reasonOf(error, withResponse);
    errors.inc({ reason });
    // As Node itself does: answer only where no answer has started on this connection.
    if (socket.writable && !withResponse._httpMessage?.headersSent) socket.write(RAW_ANSWERS[reason]);
    socket.destroy();
  };
}
