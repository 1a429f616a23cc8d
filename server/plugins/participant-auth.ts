import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { verifySignature } from '../auth/signature.ts';
import { isStoreUnavailable, STORE_UNAVAILABLE } from '../../switch/store-unavailable.ts';
import { HttpDomainError } from '../http-errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    participantId: string;
  }
  interface FastifyInstance {
    authenticateParticipant(request: FastifyRequest): Promise<void>;
  }
}

export interface ParticipantAuthOptions {
  secretOf(participantId: string): string | undefined;
  maxSkewMs: number;
  now(): number;
}

const NO_BODY = Buffer.alloc(0);

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Signed participant requests (docs/api.md): HMAC over method, path, timestamp, nonce and
 * the hash of the body's bytes, whatever their content type; each nonce accepted once
 * within twice the allowed clock skew.
 */
export default fp(
  async function participantAuth(app: FastifyInstance, options: ParticipantAuthOptions) {
    app.decorateRequest('participantId', '');
    app.decorate('authenticateParticipant', async (request: FastifyRequest) => {
      const verified = verifySignature(
        {
          method: request.method,
          path: request.raw.url ?? request.url,
          participantId: header(request, 'x-participant-id'),
          timestamp: header(request, 'x-timestamp'),
          nonce: header(request, 'x-nonce'),
          signature: header(request, 'x-signature'),
          rawBody: request.rawBody ?? NO_BODY,
        },
        options.secretOf,
        options.now(),
        options.maxSkewMs,
      );
      if (!verified.ok) {
        request.log.info({ code: verified.error.code }, 'participant request rejected');
        throw new HttpDomainError(verified.error.code, verified.error.message);
      }
      const { participantId, nonce } = verified.value;
      // Only a correctly signed request may spend a nonce, so nobody can burn another's; and
      // only a fresh nonce spends the participant's request budget, in the same round trip.
      let count: number;
      try {
        count = await app.participantBudget.spendNonce(`nonce:${participantId}:${nonce}`, participantId, 2 * options.maxSkewMs);
      } catch (e) {
        // Replay protection cannot be skipped: without Redis the request is refused, retryably.
        if (!isStoreUnavailable(e)) throw e;
        throw new HttpDomainError(STORE_UNAVAILABLE.code, STORE_UNAVAILABLE.message);
      }
      if (count === 0) {
        request.log.info({ code: 'AUTH_NONCE_REUSED', participant: participantId }, 'participant request rejected');
        throw new HttpDomainError('AUTH_NONCE_REUSED', 'X-Nonce was already used');
      }
      app.participantBudget.checkParticipant(participantId, count);
      request.participantId = participantId;
      // Only now may the caller learn what is wrong with its body (raw-json-body.ts).
      if (request.bodyError) throw new HttpDomainError(request.bodyError.code, request.bodyError.message);
    });
  },
  { name: 'participant-auth', dependencies: ['raw-json-body', 'rate-limit'] },
);
