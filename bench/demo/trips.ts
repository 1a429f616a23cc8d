import { cityLocation, jitter, utcOffsetHours, type LatLon } from '../traffic/geography.ts';
import { hourWeight } from '../traffic/merchant-hours.ts';
import type { SimulatedParticipant } from '../traffic/participants.ts';
import { drawAmount } from '../traffic/amounts.ts';
import { DEFAULT_MIX, isPayable, type PaymentRequestBody } from '../traffic/payment-generator.ts';
import { buildPopulation, type SimulatedPayer } from '../traffic/population.ts';
import { createRandom, type Random } from '../traffic/random.ts';

/**
 * The demo's people and where they are on any day: a payer population per wallet (so per
 * corridor), each payer travelling now and then to one city of the markets their wallet
 * pays into, staying at one spot for the trip and paying the merchants there. A trip is a
 * pure function of (seed, payer, day), so the history seeder and the live traffic put a
 * payer in the same place on the same day without sharing anything but the seed.
 *
 * Seasonality: more people travel and pay at weekends (WEEKDAY_FACTOR), and each payment
 * falls at an hour its merchants are busy (merchant-hours.ts), in the merchant's local time.
 */

/** Any merchant the population may pay: what the registry and the acquirers' listings both give. */
export interface TripMerchant {
  id: string;
  mcc: string;
  country: string;
  city: string;
}

export interface Trip<M extends TripMerchant = TripMerchant> {
  city: string;
  country: string;
  /** The spot the payer pays from for the whole trip: never a jump within a trip. */
  location: LatLon;
  merchants: readonly M[];
  /** Payments on each day of the trip, before the weekday factor. */
  perDay: number;
}

export interface DemoPopulation<M extends TripMerchant = TripMerchant> {
  payers: readonly SimulatedPayer[];
  homeCountry: string;
  /** The payer's trip on local day `day` (dayOf), or undefined on a day at home. */
  tripOn(payerIndex: number, day: number): Trip<M> | undefined;
}

export interface DemoPopulationOptions<M extends TripMerchant> {
  seed: number;
  payersPerWallet: number;
  wallets: readonly SimulatedParticipant[];
  merchants: readonly M[];
  homeCountry: string;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/**
 * Trips are planned per block of days: at most one trip per block, never on its last day,
 * so two trips are always a day apart (no payer "flies" faster than a plane between them).
 */
const BLOCK_DAYS = 6;
const TRAVEL_SHARE = 0.6;
const MAX_TRIP_DAYS = 4;
/** Payments on a trip day, on average, before the weekday factor. */
const MEAN_PAYMENTS_PER_DAY = 1;
/** Sunday..Saturday: leisure travel peaks at weekends. */
const WEEKDAY_FACTOR = [1.3, 0.8, 0.8, 0.85, 0.9, 1.15, 1.4] as const;

/** The local day (in the gateway's home market) a time falls on: days start at local midnight, when payments are rare. */
export function dayOf(t: number, homeCountry: string): number {
  return Math.floor((t + utcOffsetHours(homeCountry) * HOUR_MS) / DAY_MS);
}

/** Unix ms of local midnight starting `day`. */
export function dayStart(day: number, homeCountry: string): number {
  return day * DAY_MS - utcOffsetHours(homeCountry) * HOUR_MS;
}

/** Sunday = 0, as Date.getUTCDay() counts: the weekday of local day `day`. */
export function weekdayOf(day: number): number {
  return (day + 4) % 7;
}

export function weekdayFactor(day: number): number {
  return WEEKDAY_FACTOR[weekdayOf(day)] ?? 1;
}

/** A 32-bit mix of the inputs (murmur3's finaliser): one independent random stream per payer and block. */
function mix(...values: number[]): number {
  let h = 0x9e3779b9;
  for (const v of values) {
    h = Math.imul(h ^ (v >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

export function buildDemoPopulation<M extends TripMerchant>(options: DemoPopulationOptions<M>): DemoPopulation<M> {
  const { homeCountry, merchants } = options;
  // The simulator's shares of overseas payers' journeys (payment-generator.ts), whichever directions its mix names.
  const mixShares: Record<string, number | undefined> = { ...DEFAULT_MIX };
  const overseas = Math.max(1e-9, (mixShares.inbound ?? 0) + (mixShares['cross-market'] ?? 0) + (mixShares.local ?? 0));
  const shares = { payersPerWallet: options.payersPerWallet, crossMarketShare: (mixShares['cross-market'] ?? 0) / overseas, localShare: (mixShares.local ?? 0) / overseas };
  const payers = buildPopulation(createRandom(options.seed), options.wallets, shares);
  // Per journey and home country: the cities a payer may travel to, each with its merchants.
  const destinations = new Map<string, Array<{ city: string; country: string; merchants: M[] }>>();
  const destinationsOf = (payer: SimulatedPayer) => {
    const key = `${payer.journey}|${payer.country}`;
    let list = destinations.get(key);
    if (!list) {
      const byCity = new Map<string, { city: string; country: string; merchants: M[] }>();
      for (const m of merchants) {
        if (!isPayable(payer.journey, payer.country, m.country, homeCountry)) continue;
        const cityKey = `${m.country}|${m.city}`;
        const entry = byCity.get(cityKey) ?? { city: m.city, country: m.country, merchants: [] };
        entry.merchants.push(m);
        byCity.set(cityKey, entry);
      }
      list = [...byCity.values()];
      destinations.set(key, list);
    }
    return list;
  };
  // The last block asked for, per payer: history walks days in order, live asks for today.
  const cache = new Map<number, { block: number; trip: { first: number; days: number; trip: Trip<M> } | undefined }>();

  const planBlock = (payerIndex: number, block: number) => {
    const payer = payers[payerIndex]!;
    const random = createRandom(mix(options.seed, payerIndex, block));
    const places = destinationsOf(payer);
    if (places.length === 0 || random.next() >= TRAVEL_SHARE) return undefined;
    const days = 1 + random.int(MAX_TRIP_DAYS);
    const first = block * BLOCK_DAYS + random.int(BLOCK_DAYS - days);
    // Bigger cities (more merchants) draw more visitors.
    let pick = random.int(places.reduce((n, p) => n + p.merchants.length, 0));
    const place = places.find((p) => (pick -= p.merchants.length) < 0) ?? places[0]!;
    const trip: Trip<M> = {
      city: place.city,
      country: place.country,
      location: jitter(cityLocation(place.city, place.country), 4, random.next(), random.next()),
      merchants: place.merchants,
      perDay: MEAN_PAYMENTS_PER_DAY * (0.5 + random.next()),
    };
    return { first, days, trip };
  };

  return {
    payers,
    homeCountry,
    tripOn(payerIndex, day) {
      // Each payer's blocks start on a day of their own, so no day is everybody's day at home.
      const shifted = day + (payerIndex % BLOCK_DAYS);
      const block = Math.floor(shifted / BLOCK_DAYS);
      let cached = cache.get(payerIndex);
      if (!cached || cached.block !== block) {
        cached = { block, trip: planBlock(payerIndex, block) };
        cache.set(payerIndex, cached);
      }
      const planned = cached.trip;
      return planned && shifted >= planned.first && shifted < planned.first + planned.days ? planned.trip : undefined;
    },
  };
}

/**
 * How often a visitor pays a merchant of a category, relative to a restaurant: meals and
 * snacks every day, a watch or a phone once in a long while. Without it a traveller would
 * buy jewellery as often as noodles, and every profile would look like an amount spike.
 */
const VISITS_BY_MCC: Record<string, number> = {
  '5812': 1, // restaurants
  '5813': 0.4, // bars
  '5814': 1.2, // fast food, tea houses
  '5499': 1.2, // convenience stores
  '5912': 0.3, // pharmacies
  '5977': 0.3, // cosmetics
  '5311': 0.35, // department stores
  '5699': 0.3, // apparel
  '5309': 0.25, // duty free
  '5732': 0.08, // electronics
  '5944': 0.03, // watches, jewellery
  '7011': 0.25, // hotels
  '7991': 0.5, // attractions
  '7999': 0.3, // recreation
};
const DEFAULT_VISITS = 0.3;

/** How likely a payment at this hour is at this merchant: how busy it is, times how often people go there. */
function merchantWeight(mcc: string, localHour: number): number {
  return hourWeight(mcc, localHour) * (VISITS_BY_MCC[mcc] ?? DEFAULT_VISITS);
}

/** A weight per local hour of the trip's day: how busy its merchants are, together. */
export function tripHourWeights(trip: Trip): number[] {
  const weights = new Array<number>(24).fill(0);
  for (const m of trip.merchants) for (let h = 0; h < 24; h++) weights[h]! += merchantWeight(m.mcc, h);
  return weights;
}

/** A merchant of the trip, by how busy each is at the local hour and how often people go there. */
export function pickTripMerchant<M extends TripMerchant>(random: Random, trip: Trip<M>, localHour: number): M {
  const list = trip.merchants;
  if (list.length === 1) return list[0]!;
  let total = 0;
  for (const m of list) total += merchantWeight(m.mcc, localHour);
  let r = random.next() * total;
  for (const m of list) {
    r -= merchantWeight(m.mcc, localHour);
    if (r < 0) return m;
  }
  return list[list.length - 1]!;
}

/** The device of one payment: most come from a person's main phone (as payment-generator.ts). */
export function deviceOf(random: Random, payer: SimulatedPayer): string {
  return (payer.deviceIds.length > 1 && random.next() < 0.2 ? payer.deviceIds[1] : payer.deviceIds[0]) as string;
}

/** One trip payment's request: its amount for the merchant, the payer's device of the moment, where the trip is. The history and the live traffic build it alike (the same draws, in the same order). */
export function tripPaymentRequest(
  random: Random,
  payer: SimulatedPayer,
  merchant: { mcc: string; currency: string },
  payload: string,
  location: Trip['location'],
  txnId: string,
): PaymentRequestBody {
  return {
    txnId,
    qr: { payload },
    amount: { value: drawAmount(random, merchant.mcc, merchant.currency), currency: merchant.currency },
    payer: { walletId: payer.walletId, userId: payer.userId, deviceId: deviceOf(random, payer), ip: payer.ip, country: payer.country, location },
  };
}
