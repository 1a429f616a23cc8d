import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import type { Ledger } from '../../switch/ledger.ts';
import { heldAtDecision, paymentState } from '../../switch/payment-view.ts';
import { sendError } from '../http-errors.ts';
import { errorResponses } from '../schemas/common.ts';
import { PaymentIdParams, PaymentStateSchema } from '../schemas/payments.ts';

/** A payment as an operator sees it from an alert: the payment, its payer and merchant, its risk. */
export default async function operatorPaymentRoutes(app: FastifyInstance, options: { ledger: Ledger }) {
  app.get<{ Params: Static<typeof PaymentIdParams> }>(
    '/v1/ops/payments/:paymentId',
    {
      preValidation: app.requireRole('risk_officer', 'compliance', 'participant_analyst', 'admin'),
      schema: {
        tags: ['operator'],
        summary: 'One payment with its payer, merchant and risk details, for alert investigation',
        security: [{ operatorToken: [] }],
        params: PaymentIdParams,
        response: {
          200: Type.Intersect([
            PaymentStateSchema,
            Type.Object({
              participant: Type.String(),
              payer: Type.Object({}, { additionalProperties: true }),
              merchantDetails: Type.Object({}, { additionalProperties: true }),
              ruleSetVersion: Type.String(),
              shadowHits: Type.Array(Type.Object({}, { additionalProperties: true })),
            }),
          ]),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const op = request.operator!;
      const stored = await options.ledger.load(request.params.paymentId, op.role === 'participant_analyst' ? { party: op.participant ?? '' } : {});
      const mine = stored && (op.role !== 'participant_analyst' || stored.record.participant === op.participant || stored.record.merchant.acquirer === op.participant);
      if (!stored || !mine) return sendError(reply, { code: 'PAYMENT_NOT_FOUND', message: 'no such payment' });
      return {
        ...paymentState(stored, heldAtDecision(stored) ? await options.ledger.settlementRelease(stored.record.paymentId) : undefined),
        participant: stored.record.participant,
        payer: stored.record.payer,
        merchantDetails: stored.record.merchant,
        ruleSetVersion: stored.record.risk.ruleSetVersion,
        shadowHits: stored.record.risk.shadowHits,
      };
    },
  );
}
