import Type from 'typebox';

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      /** Where in the request body the problem is (JSON Pointer), when known. */
      path: Type.Optional(Type.String()),
    }),
  },
  { $id: 'ErrorBody', description: 'Every 4xx/5xx answer' },
);

export const errorResponses = {
  400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody,
  413: ErrorBody, 415: ErrorBody, 422: ErrorBody, 429: ErrorBody, 500: ErrorBody, 503: ErrorBody,
};

export const Money = Type.Object(
  {
    value: Type.String({
      pattern: '^\\d{1,15}(\\.\\d{1,4})?$',
      description:
        'Decimal amount with at most the currency\'s decimal places, e.g. "123.45". At most 99,999,999,999,999 in a ' +
        'currency without minor units, 2^53 - 1 minor units (90,071,992,547,409.91) in one with two; the settlement and ' +
        'USD amounts it converts to likewise. Larger: 422 AMOUNT_OUT_OF_RANGE',
    }),
    currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 alphabetic code' }),
  },
  { additionalProperties: false },
);

export const Identifier = Type.String({ pattern: '^[A-Za-z0-9._:-]{1,64}$' });

/** Headers every participant request carries; documented, checked by the signature hook. */
export const signedHeaders = Type.Object({
  'x-participant-id': Type.Optional(Type.String({ description: 'Participant id' })),
  'x-timestamp': Type.Optional(Type.String({ description: 'Unix time in ms' })),
  'x-nonce': Type.Optional(Type.String({ description: 'Unique per request, 8-128 of [A-Za-z0-9_-]' })),
  'x-signature': Type.Optional(Type.String({ description: "Lowercase hex HMAC-SHA256 with the participant's secret over METHOD, path with query, X-Timestamp, X-Nonce and hex(sha256(body)), joined by newlines; see docs/api.md" })),
});
