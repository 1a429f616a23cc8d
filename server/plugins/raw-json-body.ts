import { isUtf8 } from 'node:buffer';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { DomainError } from '../../domain/result.ts';
import { HttpDomainError } from '../http-errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body's bytes exactly as received, whatever their type: participants sign these. */
    rawBody?: Buffer;
    /**
     * Why the body cannot be taken (not JSON, not UTF-8, a lone surrogate, not JSON at all).
     * Reported once the caller is authenticated, so strangers learn nothing: by participant
     * auth, by validation (see errorHandler), or before the handler of a route without a body schema.
     */
    bodyError?: DomainError;
  }
}

/** `\uD800`-`\uDFFF` written as an escape: the only way a JSON text decoded from UTF-8 holds a surrogate. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
/** A surrogate code unit not paired with its other half (paired ones are one code point under /u). */
const LONE_SURROGATE = /\p{Cs}/u;

/** Whether any string of a parsed JSON value, key or value, holds a lone surrogate. Iterative: nesting is unbounded. */
export function holdsLoneSurrogate(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const v = pending.pop();
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v)) return true;
    } else if (typeof v === 'object' && v !== null) {
      for (const [key, inner] of Object.entries(v)) {
        if (LONE_SURROGATE.test(key)) return true;
        pending.push(inner);
      }
    }
  }
  return false;
}

/** The body as JSON, or why it is not: the bytes must be UTF-8 and every string well-formed Unicode. */
export function parseJsonBody(bytes: Buffer): { ok: true; value: unknown } | { ok: false; error: DomainError } {
  if (!isUtf8(bytes)) return { ok: false, error: { code: 'MALFORMED_UNICODE', message: 'the body is not valid UTF-8' } };
  const text = bytes.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: { code: 'INVALID_JSON', message: `body is not JSON: ${(e as Error).message}` } };
  }
  // The fast path: a payment's body holds no \u escape at all.
  if (SURROGATE_ESCAPE.test(text) && holdsLoneSurrogate(value)) {
    return { ok: false, error: { code: 'MALFORMED_UNICODE', message: 'a string of the body holds a lone UTF-16 surrogate (\\uD800-\\uDFFF)' } };
  }
  return { ok: true, value };
}

const NOT_JSON: DomainError = { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'the body must be application/json' };

/**
 * The one body parser: keeps the raw bytes of every body, whatever its content type, for
 * the signature check, takes JSON, and defers every reason to refuse a body (syntax, bytes
 * that are not UTF-8, lone surrogates, another media type) until the caller is authenticated.
 */
export default fp(
  async function rawJsonBody(app: FastifyInstance) {
    app.decorateRequest('rawBody', undefined);
    app.decorateRequest('bodyError', undefined);
    // fastify's own parsers (JSON, text/plain) would keep no bytes: a text body signed as empty would pass.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
      const bytes = body as Buffer;
      request.rawBody = bytes;
      if (bytes.length === 0) return done(null, undefined);
      const parsed = parseJsonBody(bytes);
      if (parsed.ok) return done(null, parsed.value);
      request.bodyError = parsed.error;
      done(null, undefined);
    });
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
      const bytes = body as Buffer;
      request.rawBody = bytes;
      if (bytes.length > 0) request.bodyError = NOT_JSON;
      done(null, undefined);
    });
    // A route without a body schema never fails validation on an unreadable body: refuse it here.
    app.addHook('preHandler', (request, _reply, done) => {
      const e = request.bodyError;
      done(e ? new HttpDomainError(e.code, e.message) : undefined);
    });
  },
  { name: 'raw-json-body' },
);
