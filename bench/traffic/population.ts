import type { Direction } from '../../domain/transaction.ts';
import { homeCitiesOf, homeLocation, ipPrefixesOf, type LatLon } from './geography.ts';
import type { SimulatedParticipant } from './participants.ts';
import type { Random } from './random.ts';

/** One person with a wallet at one of the wallet participants. */
export interface SimulatedPayer {
  participantId: string;
  walletId: string;
  userId: string;
  /** Most people use one phone; some have two. */
  deviceIds: readonly string[];
  ip: string;
  /** Home country: the wallet's country. */
  country: string;
  homeCity: string | undefined;
  home: LatLon;
  /**
   * Which kind of trip this payer is on during the run. A traveller stays in one city
   * (see PaymentGenerator), so the geo-velocity rules see people, not teleports.
   */
  journey: Direction;
}

export interface PopulationOptions {
  payersPerWallet: number;
  /** Of overseas wallets' payers, the share travelling to a third market rather than the home market. */
  crossMarketShare: number;
  /** Of overseas wallets' payers, the share staying in their own market and paying there (local); none when omitted. */
  localShare?: number;
}

/** ids are ≤ 64 characters of [A-Za-z0-9._:-], as the API requires. */
const ID_UNSAFE = /[^A-Za-z0-9._:-]/g;

export function buildPopulation(
  random: Random,
  wallets: readonly SimulatedParticipant[],
  options: PopulationOptions,
): SimulatedPayer[] {
  const payers: SimulatedPayer[] = [];
  for (const wallet of wallets) {
    if (wallet.kind === 'acquirer') continue;
    const prefix = wallet.id.replace(ID_UNSAFE, '-').slice(0, 40);
    const cities = homeCitiesOf(wallet.country);
    const ipPrefixes = ipPrefixesOf(wallet.country);
    for (let n = 1; n <= options.payersPerWallet; n++) {
      const homeCity = cities.length > 0 ? random.pick(cities) : undefined;
      const deviceCount = random.next() < 0.15 ? 2 : 1;
      const deviceIds = Array.from({ length: deviceCount }, (_, i) => `${prefix}-d${n}-${i}-${hex(random, 6)}`);
      const journey = wallet.kind === 'domestic_wallet' ? 'outbound' : overseasJourney(random.next(), options);
      payers.push({
        participantId: wallet.id,
        walletId: `${prefix}-w${n}`,
        userId: `${prefix}-u${n}`,
        deviceIds,
        ip: `${random.pick(ipPrefixes)}.${random.int(256)}.${1 + random.int(254)}`,
        country: wallet.country,
        homeCity,
        home: homeLocation(homeCity, wallet.country),
        journey,
      });
    }
  }
  return payers;
}

/** An overseas payer's trip from one uniform draw `u` in [0, 1): one draw whatever the shares, so a seed keeps its other draws. */
function overseasJourney(u: number, options: PopulationOptions): Direction {
  if (u < options.crossMarketShare) return 'cross-market';
  return u < options.crossMarketShare + (options.localShare ?? 0) ? 'local' : 'inbound';
}

function hex(random: Random, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += random.int(16).toString(16);
  return out;
}
