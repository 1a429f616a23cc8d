import type { LatLon } from '../geography.ts';
import { amountBetween } from './money.ts';
import { walletFor } from './places.ts';
import type { ScenarioContext, ScenarioMerchant, ScenarioVariant } from './scenario.ts';
import { labelled, payment, spacedTimes } from './steps.ts';

/**
 * High-risk merchant categories at night, merchant local time. The development config has
 * no merchant in a high-risk category, so the bench config adds one per site below, spread
 * over time zones, so that it is night somewhere for most of the day. Local time is the
 * true local time of the site (IANA zone, summer time included): the truth, not the engine's
 * reckoning. Night payments should be flagged; the same merchants by day are the control.
 */

export interface HighRiskSite {
  country: string;
  city: string;
  currency: string;
  timeZone: string;
  location: LatLon;
}

/** Countries the gateway serves; a site whose currency the config has no FX rate for is left out. */
export const HIGH_RISK_SITES: readonly HighRiskSite[] = [
  { country: 'GB', city: 'London', currency: 'GBP', timeZone: 'Europe/London', location: { lat: 51.5074, lon: -0.1278 } },
  { country: 'DE', city: 'Berlin', currency: 'EUR', timeZone: 'Europe/Berlin', location: { lat: 52.52, lon: 13.405 } },
  { country: 'TH', city: 'Pattaya', currency: 'THB', timeZone: 'Asia/Bangkok', location: { lat: 12.9236, lon: 100.8825 } },
  { country: 'CN', city: 'Shenzhen', currency: 'CNY', timeZone: 'Asia/Shanghai', location: { lat: 22.5431, lon: 114.0579 } },
  { country: 'KR', city: 'Seoul', currency: 'KRW', timeZone: 'Asia/Seoul', location: { lat: 37.5665, lon: 126.978 } },
  { country: 'JP', city: 'Osaka', currency: 'JPY', timeZone: 'Asia/Tokyo', location: { lat: 34.6937, lon: 135.5023 } },
  { country: 'AU', city: 'Sydney', currency: 'AUD', timeZone: 'Australia/Sydney', location: { lat: -33.8688, lon: 151.2093 } },
];

const formats = new Map<string, Intl.DateTimeFormat>();

/** Local time of day in hours (14.5 is half past two in the afternoon). */
export function localHourIn(timeZone: string, atMs: number): number {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { timeZone, hour: 'numeric', minute: 'numeric', hourCycle: 'h23' });
    formats.set(timeZone, format);
  }
  const parts = format.formatToParts(new Date(atMs));
  const value = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return value('hour') + value('minute') / 60;
}

export function siteOf(merchant: Pick<ScenarioMerchant, 'country'>): HighRiskSite | undefined {
  return HIGH_RISK_SITES.find((s) => s.country === merchant.country);
}

/** Half an hour off each edge: a payment that lands near dawn or midnight tests nothing but clocks. */
const EDGE_HOURS = 0.5;
const SPAN_MS = 90_000;
/** Clearly not night anywhere: the sites' time zones cover every hour of the UTC day with it. */
const DAYTIME = { from: 8, to: 22 } as const;

function merchantsWhere(context: ScenarioContext, inWindow: (hour: number) => boolean): ScenarioMerchant[] {
  return context.highRiskMerchants.filter((m) => {
    const site = siteOf(m);
    if (!site) return false;
    return [0, SPAN_MS].every((offset) => inWindow(localHourIn(site.timeZone, context.startsAtMs + offset)));
  });
}

function visit(context: ScenarioContext, merchants: ScenarioMerchant[], night: boolean) {
  const { random, ids, fx } = context;
  const merchant = random.pick(merchants);
  const payer = ids.payer(walletFor(context, merchant));
  const site = siteOf(merchant);
  const where = site?.location ?? { lat: 0, lon: 0 };
  return spacedTimes(random, random.next() < 0.5 ? 1 : 2, 20_000, SPAN_MS / 2).map((atMs) =>
    payment(context, {
      atMs,
      payer,
      merchant,
      amount: amountBetween(fx, random, merchant.currency, 20, 300),
      location: where,
      label: labelled('high-risk-mcc', night),
    }),
  );
}

export const highRiskAtNight: ScenarioVariant = {
  typology: 'high-risk-mcc',
  name: 'at-night',
  weight: 2,
  requests: () => 1.5,
  generate(context) {
    const { from, to } = context.limits.nightHours;
    const merchants = merchantsWhere(context, (h) => h >= from + EDGE_HOURS && h <= to + 1 - EDGE_HOURS);
    if (merchants.length === 0) throw new Error('no high-risk merchant is at night now (none of the bench sites is between its night hours)');
    return visit(context, merchants, true);
  },
};

export const highRiskByDay: ScenarioVariant = {
  typology: 'high-risk-mcc',
  name: 'by-day',
  weight: 1,
  requests: () => 1.5,
  generate(context) {
    const merchants = merchantsWhere(context, (h) => h >= DAYTIME.from && h <= DAYTIME.to);
    if (merchants.length === 0) throw new Error('no high-risk merchant is in daytime now');
    return visit(context, merchants, false);
  },
};
