import type { Direction } from '../../domain/transaction.ts';
import { utcOffsetHours } from '../traffic/geography.ts';
import { localHour } from '../traffic/merchant-hours.ts';
import type { SimulatedParticipant } from '../traffic/participants.ts';
import { DEFAULT_MIX, type GeneratedPayment, type PayableMerchant, type PaymentGenerator } from '../traffic/payment-generator.ts';
import { createRandom } from '../traffic/random.ts';
import { dayOf, pickTripMerchant, tripPaymentRequest, tripHourWeights, type DemoPopulation, type Trip, type TripMerchant } from './trips.ts';

/**
 * The demo's ordinary payments, live: the people of the seeded history who are on a trip
 * today, each paying where the history has them (same city, same spot, the merchants open
 * at this local hour). A PaymentGenerator, so bench:detection's ordinary traffic sends it.
 */

export interface LivePaymentsOptions<M extends TripMerchant> {
  population: DemoPopulation<M>;
  /** The merchants as the acquirers listed them, with their QR (bootstrap.ts). */
  merchants: readonly PayableMerchant[];
  /** Wallets with their signing secrets. */
  participants: readonly SimulatedParticipant[];
  seed: number;
  txnPrefix: string;
  now?: () => number;
}

interface Traveller {
  payerIndex: number;
  trip: Trip;
  weights: number[];
}

export function createLivePayments<M extends TripMerchant>(options: LivePaymentsOptions<M>): PaymentGenerator {
  const { population } = options;
  const now = options.now ?? Date.now;
  const random = createRandom(options.seed ^ 0x11fe);
  const byId = new Map(options.merchants.map((m) => [m.id, m]));
  const participantById = new Map(options.participants.map((p) => [p.id, p]));
  let sequence = 0;
  let day = Number.NaN;
  let travellers: Traveller[] = [];
  let hour = Number.NaN;
  let cumulative = new Float64Array(0);

  const refresh = (t: number) => {
    const today = dayOf(t, population.homeCountry);
    if (today !== day) {
      day = today;
      travellers = [];
      for (let i = 0; i < population.payers.length; i++) {
        const trip = population.tripOn(i, day);
        if (trip && participantById.has(population.payers[i]!.participantId)) travellers.push({ payerIndex: i, trip, weights: tripHourWeights(trip) });
      }
      if (travellers.length === 0) throw new Error('nobody of the demo population is travelling today');
      hour = Number.NaN;
    }
    const utcHour = Math.floor(t / 3_600_000);
    if (utcHour !== hour) {
      hour = utcHour;
      // Who pays now: each traveller as busy as the merchants of their trip at this local hour.
      cumulative = new Float64Array(travellers.length);
      let total = 0;
      travellers.forEach((tr, i) => {
        total += tr.weights[Math.floor(localHour(utcHour % 24, utcOffsetHours(tr.trip.country)))] ?? 0;
        cumulative[i] = total;
      });
    }
  };

  const pickTraveller = (): Traveller => {
    const target = random.next() * (cumulative[cumulative.length - 1] ?? 0);
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    return travellers[lo]!;
  };

  return {
    payers: population.payers,
    mix: DEFAULT_MIX,
    next(): GeneratedPayment {
      const t = now();
      refresh(t);
      const traveller = pickTraveller();
      const payer = population.payers[traveller.payerIndex]!;
      const at = localHour((t / 3_600_000) % 24, utcOffsetHours(traveller.trip.country));
      const chosen = pickTripMerchant(random, traveller.trip, Math.floor(at));
      const merchant = byId.get(chosen.id);
      if (!merchant) throw new Error(`merchant ${chosen.id} was not listed by its acquirer`);
      return {
        participant: participantById.get(payer.participantId)!,
        expectedDirection: payer.journey as Direction,
        merchant,
        body: tripPaymentRequest(random, payer, merchant, merchant.qrPayload, traveller.trip.location, `${options.txnPrefix}-${(++sequence).toString(36)}`),
      };
    },
  };
}
