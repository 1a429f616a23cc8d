import { cityLocation, jitter, type LatLon } from '../geography.ts';
import type { SimulatedParticipant } from '../participants.ts';
import type { Random } from '../random.ts';
import type { ScenarioContext, ScenarioMerchant } from './scenario.ts';

/** Who can pay whom, where they stand, and how far apart two places are. */

/**
 * The gateway's routing as scenarios must respect it: an overseas wallet pays home-market
 * merchants (inbound) and merchants abroad other than its own country's (cross-market); a
 * domestic wallet pays only merchants abroad (outbound).
 */
export function canPay(wallet: SimulatedParticipant, merchant: ScenarioMerchant, homeCountry: string): boolean {
  if (wallet.kind === 'overseas_wallet') return merchant.country !== wallet.country;
  if (wallet.kind === 'domestic_wallet') return merchant.country !== homeCountry;
  return false;
}

export function merchantsPayableBy(
  context: ScenarioContext,
  wallet: SimulatedParticipant,
  merchants: readonly ScenarioMerchant[] = context.merchants,
): ScenarioMerchant[] {
  return merchants.filter((m) => canPay(wallet, m, context.homeCountry));
}

/** A wallet participant that can pay `merchant`, at random. */
export function walletFor(context: ScenarioContext, merchant: ScenarioMerchant, kind?: SimulatedParticipant['kind']): SimulatedParticipant {
  const wallets = context.wallets.filter((w) => (kind === undefined || w.kind === kind) && canPay(w, merchant, context.homeCountry));
  if (wallets.length === 0) throw new Error(`no ${kind ?? 'wallet'} can pay merchant ${merchant.id} (${merchant.country})`);
  return context.random.pick(wallets);
}

export function overseasWallets(context: ScenarioContext): SimulatedParticipant[] {
  return context.wallets.filter((w) => w.kind === 'overseas_wallet');
}

/** Merchants grouped by city ("CN|Shanghai"), each group of at least `min` merchants. */
export function cities(merchants: readonly ScenarioMerchant[], min = 1): ScenarioMerchant[][] {
  const byCity = new Map<string, ScenarioMerchant[]>();
  for (const m of merchants) {
    const key = `${m.country}|${m.city.trim().toLowerCase()}`;
    byCity.set(key, [...(byCity.get(key) ?? []), m]);
  }
  return [...byCity.values()].filter((group) => group.length >= min);
}

/** A city of at least `min` merchants `wallet` can pay, and a wallet: throws when the config has none. */
export function walletAndCity(
  context: ScenarioContext,
  min: number,
  wallets: readonly SimulatedParticipant[] = context.wallets,
): { wallet: SimulatedParticipant; merchants: ScenarioMerchant[] } {
  const options = wallets.flatMap((wallet) =>
    cities(merchantsPayableBy(context, wallet), min).map((merchants) => ({ wallet, merchants })),
  );
  if (options.length === 0) throw new Error(`no wallet can pay ${min} merchants in one city`);
  return context.random.pick(options);
}

export function cityCentre(merchant: Pick<ScenarioMerchant, 'city' | 'country'>): LatLon {
  return cityLocation(merchant.city, merchant.country);
}

/** A spot within `km` of the merchant's city centre. */
export function spotIn(random: Random, merchant: Pick<ScenarioMerchant, 'city' | 'country'>, km: number): LatLon {
  return jitter(cityCentre(merchant), km, random.next(), random.next());
}

const EARTH_RADIUS_KM = 6371.0088;

/** Great-circle distance (haversine), written here so the benchmark does not lean on the engine's own. */
export function greatCircleKm(a: LatLon, b: LatLon): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}
