import type { Money } from '../../../domain/transaction.ts';
import type { LatLon } from '../geography.ts';
import type { Random } from '../random.ts';
import type { FreshPayer } from './identities.ts';
import type { Label, ScenarioContext, ScenarioMerchant, ScenarioPayment, ScenarioRefund } from './scenario.ts';

/** Building blocks of scenario steps: a payment, a refund, and times spaced apart. */

export interface PaymentSpec {
  atMs: number;
  payer: FreshPayer;
  merchant: ScenarioMerchant;
  amount: Money;
  location: LatLon;
  label: Label;
  /** Another device or IP than the payer's usual one. */
  deviceId?: string;
  ip?: string;
  /** The country the payer declares, when not the wallet's. */
  country?: string;
}

export function payment(context: ScenarioContext, spec: PaymentSpec): ScenarioPayment {
  return {
    kind: 'payment',
    atMs: Math.round(spec.atMs),
    txnId: context.ids.txn(),
    participantId: spec.payer.participantId,
    merchantId: spec.merchant.id,
    amount: spec.amount,
    payer: {
      walletId: spec.payer.walletId,
      userId: spec.payer.userId,
      deviceId: spec.deviceId ?? spec.payer.deviceId,
      ip: spec.ip ?? spec.payer.ip,
      country: spec.country ?? spec.payer.country,
      location: spec.location,
    },
    label: spec.label,
  };
}

/** A full refund of `original`, sent by its merchant's acquirer. */
export function refund(context: ScenarioContext, original: ScenarioPayment, merchant: ScenarioMerchant, atMs: number, label: Label): ScenarioRefund {
  if (original.merchantId !== merchant.id) throw new Error(`refund of ${original.txnId}: merchant ${merchant.id} is not the payment's`);
  return {
    kind: 'refund',
    atMs: Math.round(atMs),
    txnId: context.ids.txn(),
    participantId: merchant.acquirer,
    refundOf: original.txnId,
    label,
  };
}

/** `count` times from `startMs`, each `minGapMs` to `maxGapMs` after the one before. */
export function spacedTimes(random: Random, count: number, minGapMs: number, maxGapMs: number, startMs = 0): number[] {
  const times: number[] = [];
  let t = startMs;
  for (let i = 0; i < count; i++) {
    if (i > 0) t += minGapMs + random.next() * (maxGapMs - minGapMs);
    times.push(Math.round(t));
  }
  return times;
}

/**
 * The least gap between events so that no more than `perMinute` fall in one velocity
 * minute. The store's minute is bucketed and may look back up to 70 s (rules/lua/includes/windows.lua),
 * so 75 s is used, with a little room for the network.
 */
export function gapForAtMost(perMinute: number): number {
  return Math.ceil(75_000 / Math.max(1, perMinute));
}

/** The label of a request that belongs to a scenario of `typology`. */
export const labelled = (typology: Label['typology'], shouldFlag: boolean, also?: Label['also']): Label =>
  also && also.length > 0 ? { typology, shouldFlag, also } : { typology, shouldFlag };
