import type { SwitchedMessage } from '../../domain/transaction.ts';

/**
 * Redis keys of the velocity store. Wallet and device ids are unique only within their
 * participant, so their keys carry it; merchant ids and IPs are global.
 */
export const LIST_NAMES = ['sanctioned-countries', 'high-risk-mccs', 'blocked-devices', 'blocked-wallets'] as const;
export type ListName = (typeof LIST_NAMES)[number];

export const listKey = (name: ListName) => `risk:list:${name}`;
export const paymentKey = (paymentId: string) => `payment:${paymentId}`;

/** Members of the blocked-wallets and blocked-devices lists: `participant:id`. */
export const scopedMember = (participant: string, id: string) => `${participant}:${id}`;

const NONE = '-';

export interface MessageKeys {
  payerVelocity: string;
  deviceVelocity: string;
  ipVelocity: string;
  merchantVelocity: string;
  pairVelocity: string;
  payerMerchants: string;
  merchantPayers: string;
  walletDevices: string;
  payerProfile: string;
  merchantProfile: string;
}

export function messageKeys(message: SwitchedMessage): MessageKeys {
  const payer = scopedMember(message.participant, message.payer.walletId);
  const merchant = message.merchant.id;
  const device = message.payer.deviceId;
  const ip = message.payer.ip;
  return {
    payerVelocity: `risk:v:w:${payer}`,
    // Without a device or IP the key is passed (scripts declare their keys) but never touched.
    deviceVelocity: `risk:v:d:${device ? scopedMember(message.participant, device) : NONE}`,
    ipVelocity: `risk:v:i:${ip || NONE}`,
    merchantVelocity: `risk:v:m:${merchant}`,
    pairVelocity: `risk:v:pm:${payer}|${merchant}`,
    payerMerchants: `risk:d:pm:${payer}`,
    merchantPayers: `risk:d:mp:${merchant}`,
    walletDevices: `risk:d:wd:${payer}`,
    payerProfile: `risk:p:w:${payer}`,
    merchantProfile: `risk:p:m:${merchant}`,
  };
}
