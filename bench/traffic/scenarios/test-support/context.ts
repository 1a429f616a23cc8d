import { readFileSync } from 'node:fs';
import type { ConfigFile } from '../../../../server/config/schema.ts';
import { createFxTable } from '../../../../switch/fx.ts';
import { benchMerchants, HIGH_RISK_PREFIX } from '../../../detection/bench-config.ts';
import { viewOfPack } from '../../../detection/rule-pack.ts';
import { loadParticipants } from '../../participants.ts';
import { createRandom } from '../../random.ts';
import { createIdAllocator } from '../identities.ts';
import type { ScenarioContext, ScenarioMerchant } from '../scenario.ts';

/**
 * A scenario context as a detection run builds it, from the development config, the
 * credentials and the rule pack on disk, for tests of the generators.
 */
export const config = JSON.parse(readFileSync('config/development.json', 'utf8')) as ConfigFile;
export const pack = viewOfPack(JSON.parse(readFileSync('rules/default-pack.json', 'utf8')));
export const fx = createFxTable(config.fx.rates);
const { participants, homeCountry } = loadParticipants('config/dev-credentials.json', 'config/development.json');
export const wallets = participants.filter((p) => p.kind !== 'acquirer');
export { participants, homeCountry };

const toScenarioMerchant = (m: ConfigFile['merchants'][number]): ScenarioMerchant => ({
  id: m.id,
  name: m.name,
  mcc: m.mcc,
  country: m.country,
  city: m.city,
  currency: m.currency,
  acquirer: m.acquirer,
});

export const established = config.merchants.map(toScenarioMerchant);
const extra = benchMerchants(config, ['bench-own-0001'], pack.highRiskMccs).map(toScenarioMerchant);
export const highRisk = extra.filter((m) => m.id.startsWith(HIGH_RISK_PREFIX));
export const ownMerchant = extra.find((m) => m.id === 'bench-own-0001') as ScenarioMerchant;

let instances = 0;
const allocator = createIdAllocator('test');

export function testContext(seed: number, overrides: Partial<ScenarioContext> = {}): ScenarioContext {
  return {
    ids: allocator.forInstance(`i${++instances}`),
    startsAtMs: Date.UTC(2026, 0, 15, 19, 0),
    homeCountry,
    wallets,
    merchants: established,
    highRiskMerchants: highRisk,
    ownMerchants: [ownMerchant],
    fx,
    limits: pack.limits,
    sanctionedCountries: pack.sanctionedCountries,
    random: createRandom(seed),
    ...overrides,
  };
}

export const merchantById = new Map([...established, ...extra].map((m) => [m.id, m]));
