/**
 * When people pay which kind of merchant: a weight per local hour of day, so restaurants
 * are busy at meal times and nightlife at night. Weights are relative, not probabilities.
 */
type HourWeights = readonly number[];

/** Builds 24 weights from `[fromHour, toHour, weight]` ranges (toHour exclusive, may wrap past midnight). */
function hours(base: number, ranges: ReadonlyArray<readonly [number, number, number]>): HourWeights {
  const weights = new Array<number>(24).fill(base);
  for (const [from, to, weight] of ranges) {
    const span = (to - from + 24) % 24 || 24;
    for (let i = 0; i < span; i++) weights[(from + i) % 24] = weight;
  }
  return weights;
}

const MEALS = hours(0.1, [[7, 9, 0.5], [9, 11, 0.3], [11, 14, 1], [14, 17, 0.3], [17, 21, 1], [21, 23, 0.4]]);
const SNACKS = hours(0.1, [[6, 10, 0.8], [10, 12, 0.6], [12, 14, 1], [14, 18, 0.7], [18, 22, 0.8], [22, 24, 0.3]]);
const NIGHTLIFE = hours(0.05, [[17, 20, 0.3], [20, 24, 1], [0, 3, 0.9], [3, 5, 0.2]]);
const SHOPS = hours(0.05, [[9, 10, 0.4], [10, 19, 1], [19, 22, 0.8], [22, 23, 0.2]]);
const CONVENIENCE = hours(0.3, [[7, 23, 1]]);
const HOTELS = hours(0.3, [[7, 12, 1], [12, 15, 0.5], [15, 23, 0.8]]);
const ATTRACTIONS = hours(0.02, [[8, 17, 1], [17, 19, 0.3]]);
const DEFAULT_HOURS = hours(0.15, [[8, 22, 1]]);

const HOURS_BY_MCC: Record<string, HourWeights> = {
  '5812': MEALS,
  '5813': NIGHTLIFE,
  '5814': SNACKS,
  '5499': CONVENIENCE,
  '5912': CONVENIENCE,
  '5977': SHOPS,
  '5311': SHOPS,
  '5699': SHOPS,
  '5309': SHOPS,
  '5732': SHOPS,
  '5944': SHOPS,
  '7011': HOTELS,
  '7991': ATTRACTIONS,
  '7999': ATTRACTIONS,
};

/** How busy a merchant of this MCC is at a local hour (0-23, fractions allowed). */
export function hourWeight(mcc: string, localHour: number): number {
  const table = HOURS_BY_MCC[mcc] ?? DEFAULT_HOURS;
  const h = ((Math.floor(localHour) % 24) + 24) % 24;
  return table[h] ?? 0;
}

/** The local hour in a country at a UTC instant, given the country's offset. */
export function localHour(utcHour: number, offsetHours: number): number {
  return (((utcHour + offsetHours) % 24) + 24) % 24;
}

/**
 * The --diurnal rate multiplier over a compressed day: quiet before dawn, busiest in the
 * afternoon, averaging 1 over the day so the mean rate stays at --tps.
 */
export function diurnalRateFactor(hourOfDay: number): number {
  return 1 - 0.65 * Math.cos((2 * Math.PI * (hourOfDay - 4)) / 24);
}
