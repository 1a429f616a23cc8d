import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { verifySignature } from '../auth/signature.ts';
import type { RequestSpend } from '../../switch/request-spend.ts';
import { isStoreUnavailable, STORE_UNAVAILABLE } from '../../switch/store-unavailable.ts';
import { HttpDomainError } from '../http-errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    participantId: string;
    /** An authorisation's nonce and budget, not spent yet: the switch spends them with its claim (takeRequestSpend). */
    unspent: RequestSpend | null;
  }
  interface FastifyInstance {
    authenticateParticipant(request: FastifyRequest): Promise<void>;
    /**
     * authenticateParticipant for the routes that authorise money: the nonce and budget are
     * left to the authorisation's one Redis call before its decision, which claims the txnId
     * too. A request refused before it gets there spends them before its answer is sent.
     */
    authenticateAuthorisation(request: FastifyRequest): Promise<void>;
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
 * The nonce and budget an authorisation spends with its txnId's claim (switch/claim-txn.ts),
 * taken from the request so that it does not spend them again when it is answered.
 */
export function takeRequestSpend(request: FastifyRequest): RequestSpend | undefined {
  const unspent = request.unspent;
  request.unspent = null;
  return unspent ?? undefined;
}

/**
 * Signed participant requests (docs/api.md): HMAC over method, path, timestamp, nonce and
 * the hash of the body's bytes, whatever their content type; each nonce accepted once
 * within twice the allowed clock skew.
 */
export default fp(
  async function participantAuth(app: FastifyInstance, options: ParticipantAuthOptions) {
    app.decorateRequest('participantId', '');
    app.decorateRequest('unspent', null);
    const nonceTtlMs = 2 * options.maxSkewMs;
    const nonceKey = (participantId: string, nonce: string) => `nonce:${participantId}:${nonce}`;

    const verify = (request: FastifyRequest): { participantId: string; nonce: string } => {
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
      return verified.value;
    };

    const authenticateParticipant = async (request: FastifyRequest) => {
      const { participantId, nonce } = verify(request);
      // Only a correctly signed request may spend a nonce, so nobody can burn another's; and
      // only a fresh nonce spends the participant's request budget, in the same round trip.
      let count: number;
      try {
        count = await app.participantBudget.spendNonce(nonceKey(participantId, nonce), participantId, nonceTtlMs);
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
    };
    app.decorate('authenticateParticipant', authenticateParticipant);

    app.decorate('authenticateAuthorisation', async (request: FastifyRequest) => {
      // A body that cannot be read never reaches the switch: spent and refused here, as before.
      if (request.bodyError) return authenticateParticipant(request);
      const { participantId, nonce } = verify(request);
      request.participantId = participantId;
      request.unspent = app.participantBudget.spendOf(nonceKey(participantId, nonce), participantId, nonceTtlMs);
    });

    // An authorisation refused after authentication but before the switch took its nonce
    // (its body's schema): the nonce is spent before the answer leaves, so the signed request
    // can never be replayed into an authorisation after its sender was told it was refused.
    app.addHook('onSend', (request, _reply, payload, done) => {
      const unspent = takeRequestSpend(request);
      if (!unspent) return done(null, payload);
      app.participantBudget.spendNonce(unspent.nonceKey, request.participantId, unspent.nonceTtlMs).then(
        () => done(null, payload),
        (e: Error) => {
          request.log.warn({ err: e.message }, 'nonce of a refused authorisation not spent');
          done(null, payload);
        },
      );
    });
  },
  { name: 'participant-auth', dependencies: ['raw-json-body', 'rate-limit'] },
);
