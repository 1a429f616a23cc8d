import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { HttpDomainError } from '../http-errors.ts';

/**
 * What the platform reads from a request's line and headers is well-formed text, refused
 * with 400 before anything else looks at it. The body is raw-json-body.ts's; path
 * parameters the router already refuses (URL_INVALID) unless they decode as UTF-8.
 */

/** The headers the platform reads (signature, operator token): visible ASCII, as their formats are. */
const READ_HEADERS = ['x-participant-id', 'x-timestamp', 'x-nonce', 'x-signature', 'authorization'] as const;
/** Node reads header bytes as latin1, so a UTF-8 or stray byte shows up here as a character above U+007E. */
const NOT_VISIBLE_ASCII = /[^\t\x20-\x7e]/;

/** Why a request's query string or read headers are not well-formed, or undefined when they are. */
export function malformedRequestText(url: string, headers: FastifyRequest['headers']): HttpDomainError | undefined {
  const q = url.indexOf('?');
  if (q !== -1) {
    try {
      // fastify's query parser keeps an escape it cannot decode as it is (%FF, %ED%A0%80 for a
      // lone surrogate, a stray %): the handler would get text the caller never meant.
      decodeURIComponent(url.slice(q + 1));
    } catch {
      return new HttpDomainError('URL_INVALID', 'the query string is not valid: every %-escape must encode UTF-8');
    }
  }
  for (const name of READ_HEADERS) {
    const value = headers[name];
    if (typeof value === 'string' && NOT_VISIBLE_ASCII.test(value)) {
      return new HttpDomainError('HEADER_INVALID', `the ${name} header may hold visible ASCII characters only`);
    }
  }
  return undefined;
}

export default fp(
  async function wellFormedRequest(app: FastifyInstance) {
    app.addHook('onRequest', (request, _reply, done) => {
      done(malformedRequestText(request.url, request.headers));
    });
  },
  { name: 'well-formed-request' },
);
