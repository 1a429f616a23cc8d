import type { SwitchedMessage } from '../../domain/transaction.ts';

/** Test messages with every field of a SwitchedMessage, consistent amounts, and a controllable clock. */

export const CNY_PER_USD = 7.12;
const UNITS_PER_USD: Record<string, number> = { USD: 1, CNY: CNY_PER_USD, THB: 35.8, SGD: 1.34, KRW: 1385, MYR: 4.45 };
const WALLET_CURRENCY: Record<string, string> = { TH: 'THB', SG: 'SGD', KR: 'KRW', CN: 'CNY', MY: 'MYR' };
const MERCHANT_CURRENCY: Record<string, string> = { CN: 'CNY', SG: 'SGD', TH: 'THB', KR: 'KRW', MY: 'MYR', KP: 'USD' };

/** 2025-03-04 06:00 UTC = 14:00 in Shanghai: an ordinary afternoon. */
export const T0 = Date.UTC(2025, 2, 4, 6, 0, 0);

let sequence = 0;

export interface MessageSpec {
  usd?: number;
  at?: number;
  messageType?: SwitchedMessage['messageType'];
  originalPaymentId?: string;
  participant?: string;
  payerCountry?: string;
  walletId?: string;
  payerName?: string;
  deviceId?: string | null;
  ip?: string | null;
  location?: { lat: number; lon: number } | null;
  merchantId?: string;
  merchantCountry?: string;
  merchantName?: string;
  merchantAltNames?: string[];
  mcc?: string;
}

function money(usd: number, currency: string): string {
  const units = usd * (UNITS_PER_USD[currency] ?? 1);
  return currency === 'KRW' ? Math.round(units).toFixed(0) : units.toFixed(2);
}

export function testMessage(spec: MessageSpec = {}): SwitchedMessage {
  const n = ++sequence;
  const usd = spec.usd ?? 20;
  const payerCountry = spec.payerCountry ?? 'TH';
  const merchantCountry = spec.merchantCountry ?? 'CN';
  const participant = spec.participant ?? 'siam-wallet';
  const walletCurrency = WALLET_CURRENCY[payerCountry] ?? 'USD';
  const merchantCurrency = MERCHANT_CURRENCY[merchantCountry] ?? 'USD';
  const messageType = spec.messageType ?? 'payment';
  const deviceId = spec.deviceId === null ? undefined : (spec.deviceId ?? `dev-${spec.walletId ?? 'w-1'}`);
  const ip = spec.ip === null ? undefined : (spec.ip ?? '171.96.10.20');
  const location = spec.location === null ? undefined : (spec.location ?? { lat: 31.2304, lon: 121.4737 });
  return {
    paymentId: `pay-${process.pid}-${n}`,
    messageType,
    ...(messageType !== 'payment' ? { originalPaymentId: spec.originalPaymentId ?? `pay-${process.pid}-original` } : {}),
    participant,
    participantKind: payerCountry === 'CN' ? 'domestic_wallet' : 'overseas_wallet',
    initiator: messageType === 'refund' ? 'huaxia-acquiring' : participant,
    txnId: `txn-${n}`,
    direction: payerCountry === 'CN' ? 'outbound' : merchantCountry === 'CN' ? 'inbound' : merchantCountry === payerCountry ? 'local' : 'cross-market',
    corridor: `${payerCountry}-${merchantCountry}`,
    payer: {
      walletId: spec.walletId ?? 'w-1',
      ...(spec.payerName !== undefined ? { name: spec.payerName } : {}),
      userId: `user-${spec.walletId ?? 'w-1'}`,
      ...(deviceId ? { deviceId } : {}),
      ...(ip ? { ip } : {}),
      country: payerCountry,
      ...(location ? { location } : {}),
    },
    merchant: {
      id: spec.merchantId ?? 'm-cn-0001',
      name: spec.merchantName ?? 'Test merchant',
      ...(spec.merchantAltNames ? { altNames: spec.merchantAltNames } : {}),
      mcc: spec.mcc ?? '5812',
      country: merchantCountry,
      city: 'Shanghai',
      acquirer: 'huaxia-acquiring',
      network: 'unionpay',
    },
    amount: { value: money(usd, merchantCurrency), currency: merchantCurrency },
    amountUsd: usd.toFixed(2),
    settlement: { value: money(usd, walletCurrency), currency: walletCurrency, fxRate: String(UNITS_PER_USD[walletCurrency] ?? 1) },
    receivedAt: spec.at ?? T0,
  };
}
