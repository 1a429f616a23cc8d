import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readConfigFile, validateConfigFile } from '../../server/config/load.ts';
import type { ConfigFile, MerchantConfig } from '../../server/config/schema.ts';
import { HIGH_RISK_SITES } from '../traffic/scenarios/high-risk-mcc.ts';
import type { ScenarioMerchant } from '../traffic/scenarios/scenario.ts';

/**
 * The config the detection benchmark starts the platform with: the development config
 * (participants, FX, users unchanged) plus merchants some typologies cannot do without,
 * written to a temporary file and passed as CONFIG:
 * - merchants of their own for scenarios about a merchant without history (mule fan-in,
 *   a merchant abusing refunds): one per instance, never paid by ordinary traffic;
 * - one merchant in a high-risk category (the pack's list) per site of high-risk-mcc.ts,
 *   across time zones, since the development config has none.
 */

export interface BenchConfig {
  file: string;
  config: ConfigFile;
  homeCountry: string;
  /** The merchants of the base config: established, paid by ordinary traffic. */
  established: ScenarioMerchant[];
  highRisk: ScenarioMerchant[];
  own: Map<string, ScenarioMerchant>;
  /** Deletes the temporary directory. */
  remove(): void;
}

export const HIGH_RISK_PREFIX = 'bench-hr-';
/** MCCs a merchant without history might claim: electronics, jewellery, apparel, stores, cosmetics, miscellaneous. */
const OWN_MERCHANT_MCCS = ['5732', '5944', '5699', '5311', '5977', '5999'];

export interface BenchConfigOptions {
  ownMerchantIds: readonly string[];
  highRiskMccs: readonly string[];
  /** Replaces the config's risk deadline: to see the rules alone on a machine too loaded to meet it. */
  riskDeadlineMs?: number;
}

export function writeBenchConfig(baseConfigPath: string, options: BenchConfigOptions): BenchConfig {
  const { ownMerchantIds, highRiskMccs } = options;
  const base = readConfigFile(baseConfigPath);
  const extra = benchMerchants(base, ownMerchantIds, highRiskMccs);
  const config: ConfigFile = { ...base, merchants: [...base.merchants, ...extra] };
  if (options.riskDeadlineMs !== undefined) {
    const risk = (config as { risk?: unknown }).risk;
    if (typeof risk !== 'object' || risk === null) {
      throw new Error(`${baseConfigPath} has no "risk" section whose deadlineMs --risk-deadline-ms could replace`);
    }
    (config as { risk?: unknown }).risk = { ...risk, deadlineMs: options.riskDeadlineMs };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cpg-detection-'));
  const file = path.join(dir, 'config.json');
  // The platform would refuse a bad config at start-up; better to say so here, naming the field.
  validateConfigFile(config, 'bench config');
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  const asScenarioMerchant = (m: MerchantConfig): ScenarioMerchant => ({
    id: m.id,
    name: m.name,
    mcc: m.mcc,
    country: m.country,
    city: m.city,
    currency: m.currency,
    acquirer: m.acquirer,
  });
  const extras = extra.map(asScenarioMerchant);
  return {
    file,
    config,
    homeCountry: base.gateway.homeCountry,
    established: base.merchants.map(asScenarioMerchant),
    highRisk: extras.filter((m) => m.id.startsWith(HIGH_RISK_PREFIX)),
    own: new Map(extras.filter((m) => ownMerchantIds.includes(m.id)).map((m) => [m.id, m])),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function benchMerchants(base: ConfigFile, ownMerchantIds: readonly string[], highRiskMccs: readonly string[]): MerchantConfig[] {
  const home = base.gateway.homeCountry;
  const acquirers = base.participants.filter((p) => p.kind === 'acquirer');
  const homeAcquirer = acquirers.find((p) => p.country === home) ?? acquirers[0];
  if (!homeAcquirer) throw new Error('the config has no acquirer: no merchant can be added');
  const abroadAcquirer = acquirers.find((p) => p.country !== home) ?? homeAcquirer;
  const homeMerchants = base.merchants.filter((m) => m.country === home);
  const homeCurrency = homeMerchants[0]?.currency ?? homeAcquirer.currency;
  const homeCities = [...new Set(homeMerchants.map((m) => m.city))];
  const taken = new Set(base.merchants.map((m) => `${m.network}:${m.accountId}`));
  let accountSequence = 0;
  const nextAccount = (): string => {
    for (;;) {
      const account = `99${String(++accountSequence).padStart(13, '0')}`;
      if (!taken.has(`unionpay:${account}`)) return account;
    }
  };

  const own = ownMerchantIds.map(
    (id, i): MerchantConfig => ({
      id,
      name: `Bench New Merchant ${i + 1}`.slice(0, 25),
      mcc: OWN_MERCHANT_MCCS[i % OWN_MERCHANT_MCCS.length] as string,
      country: home,
      city: homeCities[i % Math.max(1, homeCities.length)] ?? 'Shanghai',
      currency: homeCurrency,
      acquirer: homeAcquirer.id,
      network: 'unionpay',
      accountId: nextAccount(),
    }),
  );
  const highRisk =
    highRiskMccs.length === 0
      ? []
      : HIGH_RISK_SITES.filter((site) => base.fx.rates[site.currency] !== undefined).map(
          (site, i): MerchantConfig => ({
            id: `${HIGH_RISK_PREFIX}${site.country.toLowerCase()}`,
            name: `Bench Night ${site.city}`.slice(0, 25),
            mcc: highRiskMccs[i % highRiskMccs.length] as string,
            country: site.country,
            city: site.city,
            currency: site.currency,
            acquirer: site.country === home ? homeAcquirer.id : abroadAcquirer.id,
            network: 'unionpay',
            accountId: nextAccount(),
          }),
        );
  return [...own, ...highRisk];
}
