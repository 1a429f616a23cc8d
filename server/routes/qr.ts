import type { FastifyInstance } from 'fastify';
import { decodeQr } from '../../switch/qr/index.ts';
import { sendError } from '../http-errors.ts';
import { errorResponses, signedHeaders } from '../schemas/common.ts';
import { DecodeBody, DecodedQrSchema } from '../schemas/qr.ts';
import type { Static } from 'typebox';

export default async function qrRoutes(app: FastifyInstance) {
  app.post<{ Body: Static<typeof DecodeBody> }>(
    '/v1/qr/decode',
    {
      preValidation: app.authenticateParticipant,
      schema: {
        tags: ['participant'],
        summary: 'Decode an EMVCo merchant-presented QR and check its CRC; warnings name what strays from EMVCo without moving money',
        security: [{ participantSignature: [] }],
        headers: signedHeaders,
        body: DecodeBody,
        response: { 200: DecodedQrSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const decoded = decodeQr(request.body.payload);
      if (!decoded.ok) return sendError(reply, decoded.error);
      return decoded.value;
    },
  );
}
