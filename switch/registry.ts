import type { ParticipantKind } from '../domain/transaction.ts';

/** The participants and merchants the gateway knows, indexed for the switch. */

export interface Participant {
  id: string;
  name: string;
  kind: ParticipantKind;
  country: string;
  currency: string;
  iin?: string;
  /** Every payment of this wallet must name its payer. */
  requirePayerName?: boolean;
  /** Every payment of this wallet that risk reviews has its settlement held. */
  holdSettlement?: boolean;
  issuer?: { openingBalance: string; perPaymentLimit: string; dailyLimit: string };
}

export interface Merchant {
  id: string;
  name: string;
  localName?: string;
  mcc: string;
  country: string;
  city: string;
  currency: string;
  acquirer: string;
  network: 'unionpay' | 'wechatpay';
  accountId: string;
}

export interface Gateway {
  forwardingIin: string;
  wechatPayGuid: string;
  homeCountry: string;
}

export interface Registry {
  gateway: Gateway;
  participant(id: string): Participant | undefined;
  merchant(id: string): Merchant | undefined;
  /** The merchant whose QR carries this account (network + merchant number). */
  merchantByAccount(network: Merchant['network'], accountId: string): Merchant | undefined;
  merchantsOf(acquirerId: string): Merchant[];
}

export function createRegistry(input: { gateway: Gateway; participants: Participant[]; merchants: Merchant[] }): Registry {
  const participants = new Map(input.participants.map((p) => [p.id, p]));
  const merchants = new Map(input.merchants.map((m) => [m.id, m]));
  const byAccount = new Map(input.merchants.map((m) => [`${m.network}:${m.accountId}`, m]));
  return {
    gateway: input.gateway,
    participant: (id) => participants.get(id),
    merchant: (id) => merchants.get(id),
    merchantByAccount: (network, accountId) => byAccount.get(`${network}:${accountId}`),
    merchantsOf: (acquirerId) => input.merchants.filter((m) => m.acquirer === acquirerId),
  };
}
