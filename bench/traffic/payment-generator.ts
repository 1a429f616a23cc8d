import { randomBytes } from 'node:crypto';
import type { Direction, Money, Payer } from '../../domain/transaction.ts';
import { drawAmount } from './amounts.ts';
import { cityLocation, jitter, utcOffsetHours, type LatLon } from './geography.ts';
import { hourWeight, localHour } from './merchant-hours.ts';
import type { SimulatedParticipant } from './participants.ts';
import { buildPopulation, type SimulatedPayer } from './population.ts';
import { createRandom, pickWeighted, type Random } from './random.ts';

/** A merchant as an acquirer listed it, with the static QR the acquirer issued for it. */
export interface PayableMerchant {
  id: string;
  name: string;
  mcc: string;
  country: string;
  city: string;
  currency: string;
  network: string;
  qrPayload: string;
}

/** The body of POST /v1/payments (docs/api.md). */
export interface PaymentRequestBody {
  txnId: string;
  qr: { payload: string };
  amount: Money;
  payer: Required<Pick<Payer, 'walletId' | 'userId' | 'deviceId' | 'ip' | 'country' | 'location'>>;
}

export interface GeneratedPayment {
  /** The wallet participant that sends (and signs) the payment. */
  participant: SimulatedParticipant;
  /** What the gateway should call it; the simulator compares it with the answer. */
  expectedDirection: Direction;
  merchant: PayableMerchant;
  body: PaymentRequestBody;
}

export type DirectionMix = Record<Direction, number>;

/**
 * Mostly visitors to the home market and its own travellers; a tenth paying in a third
 * market, and a small share of local payments (an overseas wallet at a merchant of its
 * own market, which reaches the gateway only when that merchant's acquirer routes through it).
 */
export const DEFAULT_MIX: DirectionMix = { inbound: 0.55, outbound: 0.3, 'cross-market': 0.1, local: 0.05 };

/** Of an overseas wallet's payers, the shares on each journey a mix implies (the rest pay inbound). */
export function overseasJourneyShares(mix: DirectionMix): { crossMarketShare: number; localShare: number } {
  const overseas = Math.max(1e-9, mix.inbound + mix['cross-market'] + mix.local);
  return { crossMarketShare: mix['cross-market'] / overseas, localShare: mix.local / overseas };
}

export interface PaymentGeneratorOptions {
  participants: readonly SimulatedParticipant[];
  merchants: readonly PayableMerchant[];
  /** The gateway's home market (CN): its merchants are paid inbound only, never by its own wallets. */
  homeCountry: string;
  seed: number;
  payersPerWallet?: number;
  mix?: DirectionMix;
  /** Prefix of every txnId; a random run id is added so reruns against the same data never collide. */
  txnPrefix?: string;
}

export interface PaymentGenerator {
  /** The next payment, shaped by the hour of day (UTC, fractions allowed). */
  next(utcHour: number): GeneratedPayment;
  readonly payers: readonly SimulatedPayer[];
  readonly mix: DirectionMix;
}

/** The participants and merchants given leave no payment the gateway would accept. */
export class NothingToPayError extends Error {
  override name = 'NothingToPayError';
}

const DIRECTIONS: readonly Direction[] = ['inbound', 'outbound', 'cross-market', 'local'];

interface Trip {
  city: string;
  country: string;
  location: LatLon;
}

export function createPaymentGenerator(options: PaymentGeneratorOptions): PaymentGenerator {
  const random = createRandom(options.seed);
  const requested = options.mix ?? DEFAULT_MIX;
  const population = buildPopulation(random, options.participants, {
    payersPerWallet: options.payersPerWallet ?? 300,
    ...overseasJourneyShares(requested),
  });
  const participantById = new Map(options.participants.map((p) => [p.id, p]));
  const eligible = (direction: Direction, payerCountry: string): PayableMerchant[] =>
    options.merchants.filter((m) => isPayable(direction, payerCountry, m.country, options.homeCountry));

  // Payers grouped by journey, keeping only those who have somewhere to pay.
  const merchantsFor = new Map<string, PayableMerchant[]>();
  const pools = new Map<Direction, SimulatedPayer[]>(DIRECTIONS.map((d) => [d, []]));
  for (const payer of population) {
    const key = `${payer.journey}|${payer.country}`;
    if (!merchantsFor.has(key)) merchantsFor.set(key, eligible(payer.journey, payer.country));
    if ((merchantsFor.get(key) ?? []).length > 0) pools.get(payer.journey)?.push(payer);
  }
  const weights = DIRECTIONS.map((d) => ((pools.get(d) ?? []).length > 0 ? requested[d] : 0));
  if (weights.every((w) => w <= 0)) {
    throw new NothingToPayError('no wallet can pay any merchant: need overseas wallets and home-market merchants, or domestic wallets and merchants abroad');
  }
  const mix = Object.fromEntries(DIRECTIONS.map((d, i) => [d, weights[i] ?? 0])) as DirectionMix;

  const trips = new Map<string, Trip>();
  const runId = randomBytes(4).toString('hex');
  const txnPrefix = `${options.txnPrefix ?? 'sim'}-${runId}`;
  let sequence = 0;

  return {
    payers: population,
    mix,
    next(utcHour: number): GeneratedPayment {
      const direction = DIRECTIONS[pickWeighted(random, weights)] as Direction;
      const payer = random.pick(pools.get(direction) ?? []);
      const candidates = merchantsFor.get(`${payer.journey}|${payer.country}`) ?? [];
      const trip = trips.get(payer.walletId);
      const merchant = pickMerchant(
        random,
        trip ? candidates.filter((m) => m.city === trip.city && m.country === trip.country) : candidates,
        candidates,
        utcHour,
      );
      const here = trip ?? startTrip(random, payer, merchant);
      if (!trip) trips.set(payer.walletId, here);
      const participant = participantById.get(payer.participantId) as SimulatedParticipant;
      sequence++;
      return {
        participant,
        expectedDirection: direction,
        merchant,
        body: {
          txnId: `${txnPrefix}-${sequence.toString(36)}`,
          qr: { payload: merchant.qrPayload },
          amount: { value: drawAmount(random, merchant.mcc, merchant.currency), currency: merchant.currency },
          payer: {
            walletId: payer.walletId,
            userId: payer.userId,
            // Most payments come from a person's main phone.
            deviceId: (payer.deviceIds.length > 1 && random.next() < 0.2 ? payer.deviceIds[1] : payer.deviceIds[0]) as string,
            ip: payer.ip,
            country: payer.country,
            location: here.location,
          },
        },
      };
    },
  };
}

/** The gateway's routing (switch/routing.ts) as the simulator must respect it: never a home wallet at a home merchant. */
export function isPayable(direction: Direction, payerCountry: string, merchantCountry: string, homeCountry: string): boolean {
  switch (direction) {
    case 'inbound':
      return payerCountry !== homeCountry && merchantCountry === homeCountry;
    case 'outbound':
      return payerCountry === homeCountry && merchantCountry !== homeCountry;
    case 'cross-market':
      return payerCountry !== homeCountry && merchantCountry !== homeCountry && merchantCountry !== payerCountry;
    case 'local':
      return payerCountry !== homeCountry && merchantCountry === payerCountry;
  }
}

function pickMerchant(
  random: Random,
  preferred: readonly PayableMerchant[],
  all: readonly PayableMerchant[],
  utcHour: number,
): PayableMerchant {
  const list = preferred.length > 0 ? preferred : all;
  const weights = list.map((m) => hourWeight(m.mcc, localHour(utcHour, utcOffsetHours(m.country))));
  const index = pickWeighted(random, weights);
  return (index >= 0 ? list[index] : random.pick(list)) as PayableMerchant;
}

/**
 * A traveller stays near the first merchant's city for the whole run, at one spot, so
 * consecutive payments never imply impossible travel speeds.
 */
function startTrip(random: Random, payer: SimulatedPayer, merchant: PayableMerchant): Trip {
  const atHome = merchant.country === payer.country;
  const centre = atHome ? payer.home : cityLocation(merchant.city, merchant.country);
  return {
    city: merchant.city,
    country: merchant.country,
    location: jitter(centre, atHome ? 8 : 4, random.next(), random.next()),
  };
}
