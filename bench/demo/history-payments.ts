import type { TapEvent } from '../../domain/transaction.ts';
import { rowLineOf, tapRowOf } from '../../ingest/tap-row.ts';
import { merchantRef } from '../../switch/authorize.ts';
import type { SwitchDeps } from '../../switch/deps.ts';
import type { FxTable } from '../../switch/fx.ts';
import { merchantQr } from '../../switch/issued-qr.ts';
import { formatAmount } from '../../switch/money.ts';
import { newPaymentId } from '../../switch/payment-id.ts';
import { preparePayment } from '../../switch/prepare-payment.ts';
import type { Merchant, Registry } from '../../switch/registry.ts';
import { corridorOf } from '../../switch/routing.ts';
import { utcOffsetHours } from '../traffic/geography.ts';
import { createRandom, pickWeighted, type Random } from '../traffic/random.ts';
import { dayStart, pickTripMerchant, tripPaymentRequest, tripHourWeights, weekdayFactor, type DemoPopulation, type Trip } from './trips.ts';

/**
 * One day of the demo's history as the ingest writer would have written it: each payment a
 * request a wallet would have sent (the live traffic's shape), checked, routed and priced by
 * the switch's own preparePayment, recorded as the tap's row-form entry (tapRowOf) and
 * turned into the JSONEachRow line the writer inserts (rowLineOf). History was approved
 * without rules (HISTORY_RULE_SET): what it feeds is the velocity and profile state, which
 * the platform rebuilds from these rows on start exactly as from live ones.
 */

export const HISTORY_RULE_SET = 'demo-history';
const HOUR_MS = 3_600_000;

export interface HistoryContext {
  population: DemoPopulation<Merchant>;
  registry: Registry;
  fx: FxTable;
  seed: number;
  /** Each merchant's static QR (issuedQrs): what payers scan. */
  qrOf: ReadonlyMap<string, string>;
}

export interface HistoryDay {
  /** JSONEachRow lines, in received order. */
  lines: string[];
  /** The messages the lines record, in the same order (for tests comparing paths). */
  events: TapEvent[];
}

/** A Poisson draw (Knuth): payments per day are counts, not a fixed number. */
function poisson(random: Random, mean: number): number {
  const limit = Math.exp(-mean);
  let n = 0;
  for (let p = random.next(); p > limit; p *= random.next()) n++;
  return n;
}

/** The static QR each merchant's acquirer issued, as payers scan it: through the switch's own issuer. */
export function issuedQrs(registry: Registry, merchants: readonly Merchant[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of merchants) {
    const qr = merchantQr(registry, m);
    if (qr.ok) out.set(m.id, qr.value);
  }
  return out;
}

/**
 * The payments of local day `day` received in [from, to), in received order. `keepEvents`
 * keeps the events too (tests); the seeder needs only the lines.
 */
export function historyDay(context: HistoryContext, day: number, from: number, to: number, keepEvents = false): HistoryDay {
  const { population, registry } = context;
  // preparePayment reads the registry and the FX table only: the rest of the switch is not needed to price a payment.
  const pricing = { registry, fx: context.fx } as Pick<SwitchDeps, 'registry' | 'fx'> as SwitchDeps;
  const random = createRandom((context.seed * 7919) ^ day);
  const hourWeights = new WeakMap<Trip, number[]>();
  const drafts: Array<{ t: number; payerIndex: number; merchant: Merchant; trip: Trip<Merchant> }> = [];
  const factor = weekdayFactor(day);
  for (let i = 0; i < population.payers.length; i++) {
    const trip = population.tripOn(i, day);
    if (!trip) continue;
    let weights = hourWeights.get(trip);
    if (!weights) hourWeights.set(trip, (weights = tripHourWeights(trip)));
    const count = poisson(random, trip.perDay * factor);
    const midnight = dayStart(day, population.homeCountry) + (utcOffsetHours(population.homeCountry) - utcOffsetHours(trip.country)) * HOUR_MS;
    for (let n = 0; n < count; n++) {
      const hour = Math.max(0, pickWeighted(random, weights));
      const t = Math.floor(midnight + (hour + random.next()) * HOUR_MS);
      if (t < from || t >= to) continue;
      drafts.push({ t, payerIndex: i, merchant: pickTripMerchant(random, trip, hour), trip });
    }
  }
  drafts.sort((a, b) => a.t - b.t);

  const lines: string[] = [];
  const events: TapEvent[] = [];
  let sequence = 0;
  for (const draft of drafts) {
    const payer = population.payers[draft.payerIndex]!;
    const merchant = draft.merchant;
    const payload = context.qrOf.get(merchant.id);
    if (!payload) continue;
    const body = tripPaymentRequest(random, payer, merchant, payload, draft.trip.location, `hist-${day}-${++sequence}`);
    const prepared = preparePayment(pricing, payer.participantId, body);
    if (!prepared.ok) continue;
    const p = prepared.value;
    // The message as authorize() builds it (switch/authorize.ts), at the payment's own time.
    const event: TapEvent = {
      paymentId: newPaymentId('payment', draft.t),
      messageType: 'payment',
      participant: p.participant.id,
      participantKind: p.participant.kind,
      initiator: p.participant.id,
      txnId: body.txnId,
      direction: p.direction,
      corridor: corridorOf(p.participant.country, p.merchant.country),
      payer: p.payer,
      merchant: merchantRef(p.merchant, p.qrLocalName),
      amount: { value: formatAmount(p.amountMinor, p.merchantCurrency), currency: p.merchant.currency },
      amountUsd: p.amountUsd,
      settlement: { value: formatAmount(p.settlement.minor, p.walletCurrency), currency: p.walletCurrency.code, fxRate: p.settlement.rateText },
      receivedAt: draft.t,
      risk: { score: 0, decision: 'approve', reasons: [], ruleSetVersion: HISTORY_RULE_SET, shadowHits: [] },
      riskLatencyUs: 0,
      switchLatencyUs: 2000,
      decidedAt: draft.t + 2,
    };
    const line = rowLineOf(`${draft.t}-${sequence}`, tapRowOf(event), { status: 'APPROVED', declineCode: '', credited: undefined });
    if (!line) continue;
    lines.push(line);
    if (keepEvents) events.push(event);
  }
  return { lines, events };
}
