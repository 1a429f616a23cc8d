import type { ConfigFile } from '../../server/config/schema.ts';
import { createFxTable } from '../../switch/fx.ts';
import { createRegistry, type Merchant, type Registry } from '../../switch/registry.ts';
import { HIGH_RISK_PREFIX } from '../detection/bench-config.ts';
import { loadParticipants, type SimulatedParticipant } from '../traffic/participants.ts';
import { OWN_MERCHANT_PREFIX } from '../traffic/scenarios/schedule.ts';
import { issuedQrs, type HistoryContext } from './history-payments.ts';
import { buildDemoPopulation, type DemoPopulation } from './trips.ts';

/**
 * The demo's world, built the same way by the history seeder (a child process), the live
 * traffic and the tests: the config's registry and FX, its wallets, and the payer
 * population (from the seed) that pays its established merchants. The merchants the
 * scenarios bring (bench-config.ts: a high-risk one per site, fresh ones for fan-in) are
 * nobody's ordinary destination.
 */

export const DEFAULT_DEMO_SEED = 19;
/**
 * 8,000 payers per wallet (40,000), about a quarter of them travelling on a given day and
 * paying about once a day there: ~0.3 million payments over 30 days, which the platform
 * replays on start in well under a minute on 2 cores (~90 us a payment, measured). At the
 * demo's 25 payments/s each of the ~10,000 travellers pays about nine times an hour.
 */
export const DEFAULT_PAYERS_PER_WALLET = 8000;
export const DEFAULT_HISTORY_DAYS = 30;

export interface DemoWorld {
  wallets: SimulatedParticipant[];
  registry: Registry;
  /** The merchants ordinary people pay: the config's own, without the scenarios'. */
  merchants: Merchant[];
  population: DemoPopulation<Merchant>;
  history: HistoryContext;
}

export interface DemoWorldOptions {
  config: ConfigFile;
  credentialsPath: string;
  configPath: string;
  seed: number;
  payersPerWallet: number;
}

export function isScenarioMerchant(id: string): boolean {
  return id.startsWith(HIGH_RISK_PREFIX) || id.startsWith(OWN_MERCHANT_PREFIX);
}

export function buildDemoWorld(options: DemoWorldOptions): DemoWorld {
  const { config } = options;
  const registry = createRegistry({ gateway: config.gateway, participants: config.participants, merchants: config.merchants });
  const merchants = config.merchants.filter((m) => !isScenarioMerchant(m.id)).flatMap((m) => registry.merchant(m.id) ?? []);
  const wallets = loadParticipants(options.credentialsPath, options.configPath).participants.filter((p) => p.kind !== 'acquirer');
  const population = buildDemoPopulation({
    seed: options.seed,
    payersPerWallet: options.payersPerWallet,
    wallets,
    merchants,
    homeCountry: config.gateway.homeCountry,
  });
  return {
    wallets,
    registry,
    merchants,
    population,
    history: { population, registry, fx: createFxTable(config.fx.rates), seed: options.seed, qrOf: issuedQrs(registry, merchants) },
  };
}
