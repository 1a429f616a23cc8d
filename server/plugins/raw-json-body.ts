import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body exactly as received: participants sign these bytes. */
    rawBody: string;
    /** Set when the body is not JSON; reported after authentication, so strangers learn nothing. */
    bodyParseError?: string;
  }
}

/**
 * Keeps the raw JSON body for signature checks and defers JSON syntax errors until the
 * caller is authenticated.
 */
export default fp(
  async function rawJsonBody(app: FastifyInstance) {
    app.decorateRequest('rawBody', '');
    app.decorateRequest('bodyParseError', undefined);
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      const text = body as string;
      request.rawBody = text;
      if (text.length === 0) return done(null, undefined);
      try {
        done(null, JSON.parse(text));
      } catch (e) {
        request.bodyParseError = (e as Error).message;
        done(null, undefined);
      }
    });
  },
  { name: 'raw-json-body' },
);
