import Type from 'typebox';
import { PAYER_NAME_MAX_RAW_CHARS } from '../../switch/payer-name.ts';
import { Identifier, Money } from './common.ts';

const Ip = Type.String({ anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }], maxLength: 45 });

/** A party's name in any script; no control character. Trimmed and put in NFC by the switch, then 1 to 200 characters. */
const PartyName = Type.String({
  minLength: 1,
  maxLength: PAYER_NAME_MAX_RAW_CHARS,
  pattern: '^[^\\p{Cc}]*$',
  description:
    "The originator's name as the wallet holds it (FATF recommendation 16), any script, 1 to 200 characters once trimmed and " +
    'in NFC; screened against the sanctions and PEP lists. Required for wallets configured with requirePayerName (422 PAYER_NAME_REQUIRED)',
});

export const PaymentBody = Type.Object(
  {
    txnId: Identifier,
    qr: Type.Object({ payload: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false }),
    amount: Type.Optional(Money),
    payer: Type.Object(
      {
        walletId: Identifier,
        name: Type.Optional(PartyName),
        birthDate: Type.Optional(
          Type.String({
            pattern: '^\\d{4}-\\d{2}-\\d{2}$',
            description: "The originator's date of birth (YYYY-MM-DD), when the wallet holds it: its year strengthens or weakens a screening match; only the year is kept",
          }),
        ),
        nationality: Type.Optional(
          Type.String({ pattern: '^[A-Z]{2}$', description: "The originator's nationality, ISO 3166 alpha-2: strengthens or weakens a screening match" }),
        ),
        userId: Type.Optional(Identifier),
        deviceId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._:-]{1,128}$' })),
        ip: Type.Optional(Ip),
        country: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
        location: Type.Optional(
          Type.Object(
            {
              lat: Type.Number({ minimum: -90, maximum: 90 }),
              lon: Type.Number({ minimum: -180, maximum: 180 }),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const FollowUpBody = Type.Object(
  { txnId: Type.Optional(Identifier), amount: Type.Optional(Money) },
  { additionalProperties: false },
);

const Reason = Type.Object({
  ruleId: Type.String(),
  ruleVersion: Type.Integer(),
  message: Type.String(),
  value: Type.Optional(Type.Union([Type.Number(), Type.String()])),
  threshold: Type.Optional(Type.Union([Type.Number(), Type.String()])),
});

export const PaymentAnswerSchema = Type.Object({
  paymentId: Type.String(),
  txnId: Type.String(),
  type: Type.Union([Type.Literal('payment'), Type.Literal('refund'), Type.Literal('reversal')]),
  originalPaymentId: Type.Optional(Type.String()),
  status: Type.Union([Type.Literal('APPROVED'), Type.Literal('DECLINED')]),
  declineCode: Type.Optional(Type.String()),
  risk: Type.Object({
    score: Type.Integer({ minimum: 0, maximum: 1000 }),
    decision: Type.Union([Type.Literal('approve'), Type.Literal('review'), Type.Literal('decline')]),
    reasons: Type.Array(Reason),
  }),
  amount: Type.Object({ value: Type.String(), currency: Type.String() }),
  settlement: Type.Object({ amount: Type.String(), currency: Type.String(), fxRate: Type.String() }),
  direction: Type.Union([Type.Literal('inbound'), Type.Literal('outbound'), Type.Literal('cross-market'), Type.Literal('local')], {
    description:
      'inbound: an overseas wallet pays a home-market merchant; outbound: a home-market wallet pays a merchant abroad; ' +
      'cross-market: an overseas wallet pays a merchant in another overseas market; local: an overseas wallet pays a merchant in its own market',
  }),
  corridor: Type.String(),
  merchant: Type.Object({ id: Type.String(), name: Type.String() }),
  createdAt: Type.String({ format: 'date-time' }),
  settlementHeld: Type.Optional(
    Type.Boolean({
      description:
        'Approved for the payer with its settlement held: risk reviewed it and a rule (or the wallet\'s configuration) holds reviews until the case clears it. ' +
        'In a payment answer only when true; in a status answer always, false once released',
    }),
  ),
  settlementReleasedAt: Type.Optional(Type.String({ format: 'date-time', description: 'When a held settlement was released (status answers)' })),
});

export const PaymentStateSchema = Type.Intersect([
  PaymentAnswerSchema,
  Type.Object({
    refunded: Type.Object({ value: Type.String(), currency: Type.String() }),
    reversed: Type.Boolean(),
  }),
]);

export const PaymentIdParams = Type.Object({ paymentId: Type.String({ pattern: '^[a-z]{3}_[A-Za-z0-9_-]{10,40}$' }) });
