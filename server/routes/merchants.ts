import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import type { DomainError } from '../../domain/result.ts';
import { currencyByCode } from '../../switch/currency.ts';
import { merchantQr } from '../../switch/issued-qr.ts';
import { formatAmount, parseAmount } from '../../switch/money.ts';
import type { Registry } from '../../switch/registry.ts';
import { sendError } from '../http-errors.ts';
import { errorResponses, signedHeaders } from '../schemas/common.ts';
import { MerchantIdParams, MerchantQrBody, MerchantSchema } from '../schemas/qr.ts';

export default async function merchantRoutes(app: FastifyInstance, options: { registry: Registry }) {
  const { registry } = options;
  const notAcquirer: DomainError = { code: 'NOT_AN_ACQUIRER', message: 'only acquirers have merchants' };

  app.get(
    '/v1/merchants',
    {
      preValidation: app.authenticateParticipant,
      schema: {
        tags: ['participant'],
        summary: "The calling acquirer's own merchants",
        security: [{ participantSignature: [] }],
        headers: signedHeaders,
        response: { 200: Type.Object({ merchants: Type.Array(MerchantSchema) }), ...errorResponses },
      },
    },
    async (request, reply) => {
      if (registry.participant(request.participantId)?.kind !== 'acquirer') return sendError(reply, notAcquirer);
      return { merchants: registry.merchantsOf(request.participantId) };
    },
  );

  app.post<{ Params: Static<typeof MerchantIdParams>; Body: Static<typeof MerchantQrBody> }>(
    '/v1/merchants/:merchantId/qr',
    {
      preValidation: app.authenticateParticipant,
      schema: {
        tags: ['participant'],
        summary: "A static QR (no amount) or dynamic QR (with amount) for one of the acquirer's merchants",
        security: [{ participantSignature: [] }],
        headers: signedHeaders,
        params: MerchantIdParams,
        body: MerchantQrBody,
        response: { 200: Type.Object({ payload: Type.String() }), ...errorResponses },
      },
    },
    async (request, reply) => {
      if (registry.participant(request.participantId)?.kind !== 'acquirer') return sendError(reply, notAcquirer);
      const merchant = registry.merchant(request.params.merchantId);
      if (!merchant || merchant.acquirer !== request.participantId) {
        return sendError(reply, { code: 'MERCHANT_NOT_FOUND', message: 'no such merchant' });
      }
      let amount: string | undefined;
      if (request.body?.amount) {
        const currency = currencyByCode(merchant.currency);
        if (!currency || request.body.amount.currency !== merchant.currency) {
          return sendError(reply, {
            code: 'AMOUNT_CURRENCY_MISMATCH',
            message: `the merchant is paid in ${merchant.currency}`,
          });
        }
        const parsed = parseAmount(request.body.amount.value, currency);
        if (!parsed.ok) return sendError(reply, parsed.error);
        amount = formatAmount(parsed.value, currency);
      }
      const payload = merchantQr(registry, merchant, amount);
      if (!payload.ok) return sendError(reply, payload.error);
      return { payload: payload.value };
    },
  );
}
