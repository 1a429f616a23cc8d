import type { LatLon } from '../geography.ts';
import { amountBetween } from './money.ts';
import { cities, cityCentre, greatCircleKm, merchantsPayableBy, spotIn } from './places.ts';
import type { ScenarioContext, ScenarioMerchant, ScenarioVariant } from './scenario.ts';
import { labelled, payment } from './steps.ts';

/**
 * Geo-impossible travel: a payer pays in one city, walks to another shop nearby (an
 * ordinary move), then pays in a city hundreds of kilometres away a few minutes later.
 * The last payment implies a speed far above 900 km/h (docs/rules.md) and should be
 * flagged; the first two should not.
 */

export const MAX_PLAUSIBLE_KMH = 900;
/** Cities at least this far apart, so even a slow network leaves the speed well above the limit. */
const MIN_CITY_KM = 300;
const LOCAL_MOVE_KM = 0.5;
/** Minutes between payments: the short walk first, then the "flight". */
const WALK_MS = { min: 30_000, max: 90_000 } as const;
const HOP_MS = { min: 45_000, max: 150_000 } as const;

interface Trip {
  wallet: ScenarioContext['wallets'][number];
  from: ScenarioMerchant[];
  to: ScenarioMerchant[];
}

function trips(context: ScenarioContext, minKm: number): Trip[] {
  return context.wallets.flatMap((wallet) => {
    const groups = cities(merchantsPayableBy(context, wallet));
    return groups.flatMap((from) =>
      groups
        .filter((to) => to !== from && greatCircleKm(cityCentre(from[0]!), cityCentre(to[0]!)) >= minKm)
        .map((to) => ({ wallet, from, to })),
    );
  });
}

export const impossibleTravel: ScenarioVariant = {
  typology: 'geo-impossible-travel',
  name: 'two-cities-minutes-apart',
  weight: 1,
  requests: () => 3,
  generate(context) {
    const { random, ids, fx, limits } = context;
    const options = trips(context, Math.max(MIN_CITY_KM, 3 * limits.geoMinKm));
    if (options.length === 0) throw new Error(`no wallet can pay in two cities ${MIN_CITY_KM} km apart`);
    const { wallet, from, to } = random.pick(options);
    const payer = ids.payer(wallet);
    const start = spotIn(random, from[0]!, 3);
    const nearby = towards(start, LOCAL_MOVE_KM * random.next(), random.next());
    const far = spotIn(random, to[0]!, 3);
    const t1 = 0;
    const t2 = t1 + WALK_MS.min + random.next() * (WALK_MS.max - WALK_MS.min);
    const t3 = t2 + HOP_MS.min + random.next() * (HOP_MS.max - HOP_MS.min);
    const stops: Array<[number, ScenarioMerchant, LatLon, boolean]> = [
      [t1, random.pick(from), start, false],
      [t2, random.pick(from), nearby, false],
      [t3, random.pick(to), far, true],
    ];
    return stops.map(([atMs, merchant, location, impossible]) =>
      payment(context, {
        atMs,
        payer,
        merchant,
        amount: amountBetween(fx, random, merchant.currency, 10, 120),
        location,
        label: labelled('geo-impossible-travel', impossible),
      }),
    );
  },
};

/** A point `km` from `origin` in the direction `u` (0-1 of a full turn). */
function towards(origin: LatLon, km: number, u: number): LatLon {
  const bearing = 2 * Math.PI * u;
  const lat = origin.lat + (km * Math.cos(bearing)) / 111;
  const lon = origin.lon + (km * Math.sin(bearing)) / (111 * Math.max(0.1, Math.cos((origin.lat * Math.PI) / 180)));
  return { lat: Math.round(lat * 1e4) / 1e4, lon: Math.round(lon * 1e4) / 1e4 };
}
