/**
 * Every fact a rule may name: its type and what it means. Rules referring to anything
 * else are rejected when they are stored, so a typo never reaches a running engine.
 * docs/rules.md lists the same facts; a test keeps the two in step.
 */

export type FactType = 'number' | 'string' | 'boolean';

export interface FactDefinition {
  type: FactType;
  doc: string;
}

export const VELOCITY_ENTITIES = ['payer', 'device', 'ip', 'merchant', 'pair'] as const;
export const VELOCITY_WINDOWS = ['1m', '10m', '1h', '24h'] as const;
export type VelocityEntity = (typeof VELOCITY_ENTITIES)[number];
export type VelocityWindow = (typeof VELOCITY_WINDOWS)[number];

const ENTITY_DOC: Record<VelocityEntity, string> = {
  payer: 'the payer wallet (participant-scoped)',
  device: 'the payer device (participant-scoped); 0 when the message has no device',
  ip: 'the payer IP address; 0 when the message has no IP',
  merchant: 'the merchant',
  pair: 'this payer at this merchant',
};

type VelocityFactName = `velocity.${VelocityEntity}.${'count' | 'amountUsd'}.${VelocityWindow}`;

function velocityFacts(): Record<VelocityFactName, { type: 'number'; doc: string }> {
  const facts = {} as Record<VelocityFactName, { type: 'number'; doc: string }>;
  for (const entity of VELOCITY_ENTITIES) {
    for (const window of VELOCITY_WINDOWS) {
      facts[`velocity.${entity}.count.${window}`] = {
        type: 'number',
        doc: `payment attempts of ${ENTITY_DOC[entity]} in the last ${window}, this one included`,
      };
      facts[`velocity.${entity}.amountUsd.${window}`] = {
        type: 'number',
        doc: `approved payments of ${ENTITY_DOC[entity]} in the last ${window}, in USD, this one excluded`,
      };
    }
  }
  return facts;
}

const PAYMENT_FACTS = {
  'message.type': { type: 'string', doc: 'payment, refund or reversal' },
  participant: { type: 'string', doc: 'the wallet participant whose payer pays' },
  'participant.kind': { type: 'string', doc: 'overseas_wallet, domestic_wallet or acquirer' },
  direction: { type: 'string', doc: 'inbound, outbound, cross-market (an overseas wallet in another overseas market) or local (an overseas wallet in its own market, corridor "TH-TH")' },
  corridor: { type: 'string', doc: 'payer country and merchant country, e.g. "TH-CN"' },
  'payer.country': { type: 'string', doc: "the payer's country, else the corridor's first country" },
  'payer.country.sanctioned': { type: 'boolean', doc: 'payer.country is in the sanctioned-countries list' },
  'payer.wallet.blocked': { type: 'boolean', doc: 'the wallet is in the blocked-wallets list' },
  'payer.hasDevice': { type: 'boolean', doc: 'the message names a payer device' },
  'list.blocked': { type: 'boolean', doc: 'a subject of the payment (wallet, device, user, IP, merchant, MCC, a country, the payer name) has an unexpired entry on its block list' },
  'list.blockedBy': { type: 'string', doc: 'the first kind of subject found on a block list: wallet, device, user, ip, merchant, mcc, country or name; "" when none' },
  'payer.device.blocked': { type: 'boolean', doc: 'the device is in the blocked-devices list' },
  'payer.device.new': {
    type: 'boolean',
    doc: 'the wallet has not used this device in 30 days but has used another one (payments only)',
  },
  'payer.hasIp': { type: 'boolean', doc: 'the message names a payer IP' },
  'payer.hasLocation': { type: 'boolean', doc: 'the message carries the payer location' },
  'merchant.id': { type: 'string', doc: 'the merchant id' },
  'merchant.mcc': { type: 'string', doc: 'the merchant category code, 4 digits' },
  'merchant.mcc.highRisk': { type: 'boolean', doc: 'merchant.mcc is in the high-risk-mccs list' },
  'merchant.country': { type: 'string', doc: "the merchant's country" },
  'merchant.country.sanctioned': { type: 'boolean', doc: 'merchant.country is in the sanctioned-countries list' },
  'merchant.acquirer': { type: 'string', doc: "the merchant's acquirer" },
  'merchant.network': { type: 'string', doc: "the merchant's network" },
  'merchant.localHour': {
    type: 'number',
    doc: 'hour of day (0-23) at the merchant when the switch received the message; -1 when its time zone is unknown',
  },
  'amount.value': { type: 'number', doc: 'the amount in amount.currency' },
  'amount.currency': { type: 'string', doc: 'ISO 4217 code of the amount' },
  'amount.usd': { type: 'number', doc: 'the amount in USD at the gateway rate' },
  'amount.cny': { type: 'number', doc: 'the amount in CNY: itself when in CNY, else amount.usd at the configured CNY rate' },
  'amount.small': { type: 'boolean', doc: 'amount.usd is below USD 5 (what probing counts)' },
} as const satisfies Record<string, FactDefinition>;

/** The parties' names matched against the screening lists (rules/facts/screening.ts); known without history. */
const SCREENING_FACTS = {
  payerSanctionsScore: {
    type: 'number',
    doc: "the best sanctions match of the payer's name, 0..1 (at or above the screening threshold), 0 without one",
  },
  payerSanctionsMatch: {
    type: 'string',
    doc: 'that match\'s entity and list version, e.g. "cpg-sample-kim-jong-un in sample v3"; "" without one',
  },
  payerPepHit: { type: 'boolean', doc: "the payer's name matches a politically exposed person (or a relative or close associate)" },
  payerPepScore: { type: 'number', doc: "the best PEP match of the payer's name, 0..1 (at or above the screening threshold), 0 without one" },
  payerPepMatch: { type: 'string', doc: 'that match\'s entity and list version; "" without one' },
  merchantSanctionsScore: {
    type: 'number',
    doc: "the best sanctions match of the merchant's names (registry name, local name, the QR's alternate-language name), 0..1; 0 without one",
  },
  merchantSanctionsMatch: { type: 'string', doc: 'that match\'s entity and list version; "" without one' },
} as const satisfies Record<string, FactDefinition>;

const DERIVED_FACTS = {
  'velocity.device.smallCount.10m': {
    type: 'number',
    doc: 'payment attempts below USD 5 from this device in the last 10m, this one included',
  },
  'velocity.ip.smallCount.10m': {
    type: 'number',
    doc: 'payment attempts below USD 5 from this IP in the last 10m, this one included',
  },
  'distinct.merchantsPerPayer.24h': { type: 'number', doc: 'distinct merchants this payer tried to pay in 24h, this one included' },
  'distinct.payersPerMerchant.1h': { type: 'number', doc: 'distinct payers who tried to pay this merchant in 1h, this one included' },
  'distinct.devicesPerWallet.24h': { type: 'number', doc: 'distinct devices this wallet paid from in 24h, this one included' },
  'payer.dailyTotal.usd': { type: 'number', doc: "the payer's approved USD in 24h plus this amount" },
  'payer.dailyTotal.cny': { type: 'number', doc: 'payer.dailyTotal.usd in CNY at the configured rate' },
  'structuring.count.24h': {
    type: 'number',
    doc: 'approved payments of this payer in 24h at 80% to under 100% of the PBOC natural-person threshold (USD 10,000 or CNY 200,000), plus this one if it is too',
  },
  'payer.profile.count': { type: 'number', doc: 'approved payments of this payer in the 30-day look-back, this one excluded' },
  'payer.profile.meanUsd': { type: 'number', doc: 'their mean amount in USD (0 without history)' },
  'payer.profile.stdDevUsd': { type: 'number', doc: 'their sample standard deviation in USD (0 with fewer than 2)' },
  'payer.profile.maxUsd': { type: 'number', doc: 'the largest of them in USD (0 without history)' },
  'payer.amountZScore': {
    type: 'number',
    doc: 'z-score of amount.usd against the profile (standard deviation floored at USD 1); 0 with fewer than 2 payments',
  },
  'payer.amountToMax': { type: 'number', doc: 'amount.usd divided by payer.profile.maxUsd; 0 without history' },
  'payer.travel.km': { type: 'number', doc: "great-circle km from the payer's last approved payment location; 0 when either location is missing" },
  'payer.travel.minutes': { type: 'number', doc: 'minutes since that payment; 0 when either location is missing' },
  'payer.travel.kmh': { type: 'number', doc: 'payer.travel.km over payer.travel.minutes (at least 1 minute), in km/h' },
  'payer.refunds.count.30d': { type: 'number', doc: "approved refunds and reversals of this payer's payments in 30 days" },
  'payer.sales.count.30d': { type: 'number', doc: 'approved payments of this payer in 30 days' },
  'payer.refunds.ratio.30d': { type: 'number', doc: 'payer.refunds.count.30d / max(1, payer.sales.count.30d)' },
  'merchant.refunds.count.30d': { type: 'number', doc: 'approved refunds and reversals at this merchant in 30 days' },
  'merchant.sales.count.30d': { type: 'number', doc: 'approved payments at this merchant in 30 days' },
  'merchant.refunds.ratio.30d': { type: 'number', doc: 'merchant.refunds.count.30d / max(1, merchant.sales.count.30d)' },
} as const satisfies Record<string, FactDefinition>;

export const FACTS = {
  ...PAYMENT_FACTS,
  ...SCREENING_FACTS,
  ...velocityFacts(),
  ...DERIVED_FACTS,
} satisfies Record<string, FactDefinition>;

export type FactName = keyof typeof FACTS;

/**
 * Facts known without the velocity state: the message's own fields, what is derived from
 * it alone, list membership (the engine keeps a copy of the lists in memory) and name
 * screening (in process, no Redis). Rules that name only these still run when the risk
 * step degrades. A test checks that none of them depends on the stored facts.
 */
export const LOCAL_FACTS: ReadonlySet<string> = new Set(
  [...Object.keys(PAYMENT_FACTS), ...Object.keys(SCREENING_FACTS)].filter((name) => name !== 'payer.device.new'),
);

type ValueOf<T extends FactType> = T extends 'number' ? number : T extends 'string' ? string : boolean;

/** The flat, plain fact every rule runs on: one value per catalogued name. */
export type Facts = {
  [K in FactName]: (typeof FACTS)[K] extends { type: infer T extends FactType } ? ValueOf<T> : never;
};

export type FactValue = number | string | boolean;

export function isFactName(name: string): name is FactName {
  return Object.hasOwn(FACTS, name);
}

export function factType(name: FactName): FactType {
  return FACTS[name].type;
}

/** The catalogued name closest to `name`, for "did you mean" in validation errors. */
export function closestFactName(name: string): FactName | undefined {
  let best: FactName | undefined;
  let bestDistance = Math.max(3, Math.floor(name.length / 4)) + 1;
  for (const candidate of Object.keys(FACTS) as FactName[]) {
    const d = editDistance(name, candidate, bestDistance);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) >= cap) return cap;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin >= cap) return cap;
    previous = current;
  }
  return previous[b.length]!;
}
