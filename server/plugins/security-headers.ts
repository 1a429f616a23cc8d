import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * The response headers helmet sets for `options`, computed once by running its middleware
 * against a recorder. helmet's headers depend only on its options, never on the request
 * (we use no CSP nonces), so there is nothing to recompute per request.
 */
export function helmetHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let failure: unknown;
  helmet(options)({} as never, recorder as never, (error?: unknown) => {
    failure = error;
  });
  if (failure) throw failure;
  return headers;
}

/**
 * Security headers on every response (API, console, docs, errors and 404s alike): helmet's
 * headers for the given options, set in one onRequest hook. The same configuration through
 * @fastify/helmet rebuilt helmet's middleware (parsing the CSP directives) on every
 * request, which on the payment path cost as much as the HMAC check. With them
 * `Cache-Control: no-store`: participant data, tokens and health figures stay out of every
 * cache; static files (console, OpenAPI UI) set their own caching, which replaces it.
 */
export default fp(
  async function securityHeaders(app: FastifyInstance, options: HelmetOptions) {
    const headers = { ...helmetHeaders(options), 'cache-control': 'no-store' };
    app.addHook('onRequest', (_request, reply, done) => {
      reply.headers(headers);
      done();
    });
  },
  { name: 'security-headers' },
);
