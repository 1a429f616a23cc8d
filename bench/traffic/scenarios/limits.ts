/**
 * What scenarios need to know of the rule pack: where "still ordinary" ends for each
 * counter, read from the pack at run time so scenarios follow it when it is retuned.
 * Domain thresholds (PBOC large value, structuring band, 900 km/h, 1.5x) are not read
 * from the pack: they are the definition of the truth, see money.ts and the scenarios.
 */

/** The parts of the rule pack format (rules/rule-schema.ts) scenarios read. */
export interface PackCondition {
  fact?: string;
  all?: PackCondition[];
  any?: PackCondition[];
  not?: PackCondition;
  gt?: unknown;
  gte?: unknown;
  lt?: unknown;
  lte?: unknown;
  eq?: unknown;
  between?: unknown;
}

export interface PackRule {
  id: string;
  typology?: string;
  mode?: string;
  when: PackCondition;
}

export interface RulePack {
  rules: PackRule[];
  lists?: Record<string, string[] | undefined>;
}

/** Counts are the most that is still ordinary; amounts the least that is suspicious. */
export interface ScenarioLimits {
  payerPerMinute: number;
  devicePerMinute: number;
  ipPerMinute: number;
  pairPer10Minutes: number;
  probingSmallPerDevice: number;
  probingSmallPerIp: number;
  newDeviceHighUsd: number;
  /** Approved payments a payer needs before a spike can stand out. */
  spikeHistory: number;
  spikeMinUsd: number;
  fanInPayers: number;
  fanInMinUsd: number;
  /** Sales in 30 days from which a merchant counts as established. */
  establishedMerchantSales: number;
  fanOutMerchants: number;
  devicesPerWallet: number;
  /** Suspicious from `minCount` refunds when refunds / sales is above `ratio`. */
  refundPayer: { minCount: number; ratio: number };
  refundMerchant: { minCount: number; ratio: number };
  geoMinKm: number;
  /** Merchant local hours counted as night, both inclusive. */
  nightHours: { from: number; to: number };
}

/** Used only when the pack has no rule on a fact: the values of the pack these scenarios were written against. */
export const FALLBACK_LIMITS: ScenarioLimits = {
  payerPerMinute: 5,
  devicePerMinute: 5,
  ipPerMinute: 10,
  pairPer10Minutes: 5,
  probingSmallPerDevice: 7,
  probingSmallPerIp: 14,
  newDeviceHighUsd: 500,
  spikeHistory: 5,
  spikeMinUsd: 500,
  fanInPayers: 29,
  fanInMinUsd: 100,
  establishedMerchantSales: 300,
  fanOutMerchants: 9,
  devicesPerWallet: 3,
  refundPayer: { minCount: 3, ratio: 0.5 },
  refundMerchant: { minCount: 10, ratio: 0.3 },
  geoMinKm: 100,
  nightHours: { from: 0, to: 5 },
};

export const SANCTIONED_COUNTRIES_LIST = 'sanctioned-countries';
export const HIGH_RISK_MCCS_LIST = 'high-risk-mccs';

type Comparison = PackCondition & { fact: string };

function leaves(condition: PackCondition): Comparison[] {
  if (condition.all) return condition.all.flatMap(leaves);
  if (condition.any) return condition.any.flatMap(leaves);
  if (condition.not) return leaves(condition.not);
  return typeof condition.fact === 'string' ? [condition as Comparison] : [];
}

/** Reads the limits from a pack; `warnings` names every limit that fell back, and why. */
export function limitsFromPack(pack: RulePack): { limits: ScenarioLimits; warnings: string[] } {
  const warnings: string[] = [];
  const ruleOn = (fact: string) => pack.rules.find((r) => leaves(r.when).some((c) => c.fact === fact));
  const comparison = (anchor: string, fact: string) => {
    const rule = ruleOn(anchor);
    return rule ? leaves(rule.when).find((c) => c.fact === fact) : undefined;
  };
  const fallBack = <T>(what: string, value: T): T => {
    warnings.push(`no usable rule condition on ${what} in the pack; scenarios use ${JSON.stringify(value)}`);
    return value;
  };
  /** The largest count that does not fire `fact > n` / `fact >= n`. */
  const ordinaryCount = (fact: string, fallback: number, anchor = fact): number => {
    const c = comparison(anchor, fact);
    if (typeof c?.gt === 'number') return Math.floor(c.gt);
    if (typeof c?.gte === 'number') return Math.ceil(c.gte) - 1;
    return fallBack(fact, fallback);
  };
  /** The least value that fires `fact >= x` / `fact > x`. */
  const leastSuspicious = (anchor: string, fact: string, fallback: number): number => {
    const c = comparison(anchor, fact);
    if (typeof c?.gte === 'number') return c.gte;
    if (typeof c?.gt === 'number') return c.gt;
    return fallBack(`${fact} (rule on ${anchor})`, fallback);
  };
  /** The least value that no longer fires `fact < x` / `fact <= x`. */
  const ceiling = (anchor: string, fact: string, fallback: number): number => {
    const c = comparison(anchor, fact);
    if (typeof c?.lt === 'number') return c.lt;
    if (typeof c?.lte === 'number') return Math.floor(c.lte) + 1;
    return fallBack(`${fact} (rule on ${anchor})`, fallback);
  };
  const ratioAbove = (fact: string, fallback: number): number => {
    const c = comparison(fact, fact);
    if (typeof c?.gt === 'number') return c.gt;
    if (typeof c?.gte === 'number') return c.gte;
    return fallBack(fact, fallback);
  };
  const night = (): { from: number; to: number } => {
    const c = comparison('merchant.mcc.highRisk', 'merchant.localHour');
    const range = c?.between;
    if (Array.isArray(range) && typeof range[0] === 'number' && typeof range[1] === 'number') {
      return { from: range[0], to: range[1] };
    }
    return fallBack('merchant.localHour (rule on merchant.mcc.highRisk)', FALLBACK_LIMITS.nightHours);
  };
  const F = FALLBACK_LIMITS;
  const limits: ScenarioLimits = {
    payerPerMinute: ordinaryCount('velocity.payer.count.1m', F.payerPerMinute),
    devicePerMinute: ordinaryCount('velocity.device.count.1m', F.devicePerMinute),
    ipPerMinute: ordinaryCount('velocity.ip.count.1m', F.ipPerMinute),
    pairPer10Minutes: ordinaryCount('velocity.pair.count.10m', F.pairPer10Minutes),
    probingSmallPerDevice: ordinaryCount('velocity.device.smallCount.10m', F.probingSmallPerDevice),
    probingSmallPerIp: ordinaryCount('velocity.ip.smallCount.10m', F.probingSmallPerIp),
    newDeviceHighUsd: leastSuspicious('payer.device.new', 'amount.usd', F.newDeviceHighUsd),
    spikeHistory: leastSuspicious('payer.amountToMax', 'payer.profile.count', F.spikeHistory),
    spikeMinUsd: leastSuspicious('payer.amountToMax', 'amount.usd', F.spikeMinUsd),
    fanInPayers: ordinaryCount('distinct.payersPerMerchant.1h', F.fanInPayers),
    fanInMinUsd: leastSuspicious('distinct.payersPerMerchant.1h', 'amount.usd', F.fanInMinUsd),
    establishedMerchantSales: ceiling('distinct.payersPerMerchant.1h', 'merchant.sales.count.30d', F.establishedMerchantSales),
    fanOutMerchants: ordinaryCount('distinct.merchantsPerPayer.24h', F.fanOutMerchants),
    devicesPerWallet: ordinaryCount('distinct.devicesPerWallet.24h', F.devicesPerWallet),
    refundPayer: {
      minCount: leastSuspicious('payer.refunds.ratio.30d', 'payer.refunds.count.30d', F.refundPayer.minCount),
      ratio: ratioAbove('payer.refunds.ratio.30d', F.refundPayer.ratio),
    },
    refundMerchant: {
      minCount: leastSuspicious('merchant.refunds.ratio.30d', 'merchant.refunds.count.30d', F.refundMerchant.minCount),
      ratio: ratioAbove('merchant.refunds.ratio.30d', F.refundMerchant.ratio),
    },
    geoMinKm: leastSuspicious('payer.travel.kmh', 'payer.travel.km', F.geoMinKm),
    nightHours: night(),
  };
  return { limits, warnings };
}

/** A list of the pack (sanctioned countries, high-risk MCCs), empty when it has none. */
export function packList(pack: RulePack, name: string): string[] {
  const list = pack.lists?.[name];
  return Array.isArray(list) ? list.filter((v): v is string => typeof v === 'string') : [];
}
