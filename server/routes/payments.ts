import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Static } from 'typebox';
import type { DomainError, Result } from '../../domain/result.ts';
import { authorize } from '../../switch/authorize.ts';
import type { SwitchDeps } from '../../switch/deps.ts';
import { followUp, isPartyTo } from '../../switch/follow-up.ts';
import { heldAtDecision, paymentState, type PaymentAnswer } from '../../switch/payment-view.ts';
import { isStoreUnavailable, STORE_UNAVAILABLE } from '../../switch/store-unavailable.ts';
import { sendError } from '../http-errors.ts';
import { takeRequestSpend } from '../plugins/participant-auth.ts';
import { errorResponses, signedHeaders } from '../schemas/common.ts';
import { FollowUpBody, PaymentAnswerSchema, PaymentBody, PaymentIdParams, PaymentStateSchema } from '../schemas/payments.ts';

export default async function paymentRoutes(app: FastifyInstance, options: { switchDeps: SwitchDeps }) {
  const deps = options.switchDeps;
  // Payments and follow-ups run the risk step: admitted only while the node has room
  // (plugins/admission.ts), refused on arrival when it has none, else once whole, before
  // the work of authenticating it.
  const admission = { onRequest: app.refuseWhenFull };
  // Their nonce and budget are spent in the switch's one call before the decision, with the claim.
  const authorising = { ...admission, preValidation: [app.admitAuthorisation, app.authenticateAuthorisation] };
  const schemaBase = { tags: ['participant'], security: [{ participantSignature: [] }], headers: signedHeaders };

  function answer(request: FastifyRequest, reply: FastifyReply, result: Result<PaymentAnswer, DomainError>, started: number) {
    if (!result.ok) {
      // Refused on arrival by the switch's first call, as authentication would have refused it.
      if (result.error.code === 'RATE_LIMITED') throw app.participantBudget.refusal(request.participantId);
      if (result.error.code === 'AUTH_NONCE_REUSED') request.log.info({ code: result.error.code, participant: request.participantId }, 'participant request rejected');
      return sendError(reply, result.error);
    }
    const a = result.value;
    app.metrics.messages.inc({ type: a.type, status: a.status, direction: a.direction });
    app.metrics.authorizeSeconds.observe({ type: a.type }, (performance.now() - started) / 1000);
    reply.log.debug({ paymentId: a.paymentId, status: a.status, type: a.type }, 'message switched');
    return a;
  }

  app.post<{ Body: Static<typeof PaymentBody> }>(
    '/v1/payments',
    {
      ...authorising,
      schema: {
        ...schemaBase,
        summary: 'Authorise one QR payment (idempotent on the participant and txnId)',
        body: PaymentBody,
        response: { 200: PaymentAnswerSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const started = performance.now();
      return answer(request, reply, await authorize(deps, request.participantId, request.body, takeRequestSpend(request)), started);
    },
  );

  paymentStatusRoute(app, deps, schemaBase);

  for (const [path, type] of [
    ['refund', 'refund'],
    ['reverse', 'reversal'],
  ] as const) {
    app.post<{ Params: Static<typeof PaymentIdParams>; Body: Static<typeof FollowUpBody> }>(
      `/v1/payments/:paymentId/${path}`,
      {
        ...admission,
        // A follow-up may come with no body at all: that means "everything, no txnId".
        preValidation: [app.admitAuthorisation, app.authenticateAuthorisation, async (request) => void (request.body ??= {})],
        schema: {
          ...schemaBase,
          summary:
            type === 'refund'
              ? "Refund all or part of an approved payment (sent by the merchant's acquirer)"
              : "Reverse an approved payment within the reversal window (sent by the payer's wallet)",
          params: PaymentIdParams,
          body: FollowUpBody,
          response: { 200: PaymentAnswerSchema, ...errorResponses },
        },
      },
      async (request, reply) => {
        const started = performance.now();
        const result = await followUp(deps, request.participantId, type, request.params.paymentId, request.body ?? {}, takeRequestSpend(request));
        return answer(request, reply, result, started);
      },
    );
  }
}

/** The status of a payment, refund or reversal, for the participants party to it only (404 for anyone else). */
function paymentStatusRoute(app: FastifyInstance, deps: SwitchDeps, schemaBase: object): void {
  app.get<{ Params: Static<typeof PaymentIdParams> }>(
    '/v1/payments/:paymentId',
    {
      preValidation: app.authenticateParticipant,
      schema: {
        ...schemaBase,
        summary: "Status of one of the caller's payments, refunds or reversals",
        params: PaymentIdParams,
        response: { 200: PaymentStateSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      let stored: Awaited<ReturnType<typeof deps.ledger.load>>;
      try {
        stored = await deps.ledger.load(request.params.paymentId, { party: request.participantId });
      } catch (e) {
        if (isStoreUnavailable(e)) return sendError(reply, STORE_UNAVAILABLE);
        throw e;
      }
      if (!stored || !isPartyTo(request.participantId, stored)) {
        return sendError(reply, { code: 'PAYMENT_NOT_FOUND', message: 'no such payment' });
      }
      try {
        return paymentState(stored, heldAtDecision(stored) ? await deps.ledger.settlementRelease(stored.record.paymentId) : undefined);
      } catch (e) {
        if (isStoreUnavailable(e)) return sendError(reply, STORE_UNAVAILABLE);
        throw e;
      }
    },
  );
}
