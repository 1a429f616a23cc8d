import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Static } from 'typebox';
import type { DomainError, Result } from '../../domain/result.ts';
import { authorize } from '../../switch/authorize.ts';
import type { SwitchDeps } from '../../switch/deps.ts';
import { followUp, isPartyTo } from '../../switch/follow-up.ts';
import { paymentState, type PaymentAnswer } from '../../switch/payment-view.ts';
import { isStoreUnavailable, STORE_UNAVAILABLE } from '../../switch/store-unavailable.ts';
import { sendError } from '../http-errors.ts';
import { errorResponses, signedHeaders } from '../schemas/common.ts';
import { FollowUpBody, PaymentAnswerSchema, PaymentBody, PaymentIdParams, PaymentStateSchema } from '../schemas/payments.ts';

export default async function paymentRoutes(app: FastifyInstance, options: { switchDeps: SwitchDeps }) {
  const deps = options.switchDeps;
  const common = {
    preValidation: app.authenticateParticipant,
  };
  // Payments and follow-ups run the risk step: admitted only while the node has room
  // (plugins/admission.ts), refused on arrival when it has none, else once whole and valid.
  const admission = { onRequest: app.refuseWhenFull, preHandler: app.admitAuthorisation };
  const authorising = { ...common, ...admission };
  const schemaBase = { tags: ['participant'], security: [{ participantSignature: [] }], headers: signedHeaders };

  function answer(reply: FastifyReply, result: Result<PaymentAnswer, DomainError>, started: number) {
    if (!result.ok) return sendError(reply, result.error);
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
      return answer(reply, await authorize(deps, request.participantId, request.body), started);
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
        preValidation: [app.authenticateParticipant, async (request) => void (request.body ??= {})],
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
        const result = await followUp(deps, request.participantId, type, request.params.paymentId, request.body ?? {});
        return answer(reply, result, started);
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
        stored = await deps.ledger.load(request.params.paymentId);
      } catch (e) {
        if (isStoreUnavailable(e)) return sendError(reply, STORE_UNAVAILABLE);
        throw e;
      }
      if (!stored || !isPartyTo(request.participantId, stored)) {
        return sendError(reply, { code: 'PAYMENT_NOT_FOUND', message: 'no such payment' });
      }
      return paymentState(stored);
    },
  );
}
