import Type from 'typebox';
import { QR_WARNING_CODES } from '../../switch/qr/index.ts';
import { Money } from './common.ts';

export const DecodeBody = Type.Object(
  { payload: Type.String({ minLength: 1, maxLength: 512, description: 'EMVCo merchant-presented QR string' }) },
  { additionalProperties: false },
);

export const QrWarningSchema = Type.Object(
  {
    code: Type.Union(QR_WARNING_CODES.map((code) => Type.Literal(code)), { description: 'stable; listed in docs/api.md' }),
    field: Type.String({ description: 'the data object: a top-level ID ("59") or a template sub-field ("62.01")' }),
    message: Type.String(),
  },
  { additionalProperties: false },
);

export const DecodedQrSchema = Type.Object(
  {
    payloadFormatIndicator: Type.String(),
    initiationMethod: Type.Optional(Type.String()),
    merchantAccounts: Type.Array(Type.Object({}, { additionalProperties: true })),
    unionPay: Type.Optional(
      Type.Object({ acquirerIin: Type.String(), forwardingIin: Type.String(), merchantId: Type.String() }),
    ),
    mcc: Type.Optional(Type.String()),
    currency: Type.String(),
    amount: Type.Optional(Type.String()),
    countryCode: Type.String(),
    merchantName: Type.Optional(Type.String()),
    merchantCity: Type.Optional(Type.String()),
    crc: Type.String(),
    warnings: Type.Array(QrWarningSchema, {
      description: 'what the QR does that EMVCo does not allow but moves no money; [] for a clean QR (docs/api.md)',
    }),
  },
  { additionalProperties: true, description: 'Decoded fields; see docs/api.md' },
);

export const MerchantSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  mcc: Type.String(),
  country: Type.String(),
  city: Type.String(),
  currency: Type.String(),
  network: Type.String(),
});

export const MerchantQrBody = Type.Object({ amount: Type.Optional(Money) }, { additionalProperties: false });
export const MerchantIdParams = Type.Object({ merchantId: Type.String({ pattern: '^[a-z0-9][a-z0-9.-]{1,62}$' }) });
