import { zScore } from 'simple-statistics';
import type { SwitchedMessage } from '../../domain/transaction.ts';
import { VELOCITY_ENTITIES, VELOCITY_WINDOWS, type Facts } from './catalog.ts';
import { amountInCny, isNearThreshold, payerCountry, SMALL_PAYMENT_USD, usdCents, type StoredFacts } from './gather.ts';
import { travel } from './geo.ts';
import { merchantLocalHour } from './local-time.ts';
import { matchText, NOT_SCREENED } from './screening.ts';

/** The z-score's standard deviation never goes below one dollar: a payer who always paid the same is not infinitely surprised. */
const MIN_STD_DEV_USD = 1;

/** The velocity fact names, built once (not two template strings per window per payment). */
const VELOCITY_FACT_NAMES = VELOCITY_ENTITIES.flatMap((entity) =>
  VELOCITY_WINDOWS.map((window) => ({
    entity,
    window,
    count: `velocity.${entity}.count.${window}`,
    amount: `velocity.${entity}.amountUsd.${window}`,
  })),
);

/**
 * The flat fact every rule runs on: the message's own fields, what the velocity state
 * returned, and what is computed from both (z-score, travel speed, ratios, totals).
 * Pure: the same message and stored facts always give the same fact.
 */
export function buildFacts(message: SwitchedMessage, stored: StoredFacts, cnyPerUsd: number): Facts {
  const isPayment = message.messageType === 'payment';
  const usd = usdCents(message.amountUsd) / 100;
  const amountValue = Number(message.amount.value);
  const cny = amountInCny(message, usd, cnyPerUsd);

  const p = stored.profile;
  const mean = p.count > 0 ? p.sumCents / 100 / p.count : 0;
  const variance = p.count > 1 ? Math.max(0, (p.sumSquaresUsd - p.count * mean * mean) / (p.count - 1)) : 0;
  const stdDev = Math.sqrt(variance);
  const maxUsd = p.maxCents / 100;
  const z = p.count > 1 ? zScore(usd, mean, Math.max(stdDev, MIN_STD_DEV_USD)) : 0;

  const here = message.payer.location;
  const moved = here && p.last ? travel(p.last, p.last.at, here, message.receivedAt) : { km: 0, minutes: 0, kmh: 0 };

  const dailyUsd = stored.velocity.payer.amountCents['24h'] / 100 + (isPayment ? usd : 0);
  const sales = p.count;
  const screened = stored.screening ?? NOT_SCREENED;

  const facts: Record<string, number | string | boolean> = {
    'message.type': message.messageType,
    participant: message.participant,
    'participant.kind': message.participantKind,
    direction: message.direction,
    corridor: message.corridor,
    'payer.country': payerCountry(message),
    'payer.country.sanctioned': stored.lists.payerCountrySanctioned,
    'payer.wallet.blocked': stored.lists.walletBlocked,
    'payer.hasDevice': Boolean(message.payer.deviceId),
    'list.blocked': stored.lists.blockedBy !== '',
    'list.blockedBy': stored.lists.blockedBy,
    'payer.device.blocked': stored.lists.deviceBlocked,
    'payer.device.new': stored.deviceNew,
    'payer.hasIp': Boolean(message.payer.ip),
    'payer.hasLocation': Boolean(here),
    'merchant.id': message.merchant.id,
    'merchant.mcc': message.merchant.mcc,
    'merchant.mcc.highRisk': stored.lists.mccHighRisk,
    'merchant.country': message.merchant.country,
    'merchant.country.sanctioned': stored.lists.merchantCountrySanctioned,
    'merchant.acquirer': message.merchant.acquirer,
    'merchant.network': message.merchant.network,
    'merchant.localHour': merchantLocalHour(message.merchant.country, message.receivedAt),
    'amount.value': Number.isFinite(amountValue) ? amountValue : 0,
    'amount.currency': message.amount.currency,
    'amount.usd': usd,
    'amount.cny': cny,
    'amount.small': usd < SMALL_PAYMENT_USD,
    payerSanctionsScore: screened.payer.sanction?.score ?? 0,
    payerSanctionsMatch: matchText(screened.payer.sanction),
    payerPepHit: screened.payer.pep !== undefined,
    payerPepScore: screened.payer.pep?.score ?? 0,
    payerPepMatch: matchText(screened.payer.pep),
    merchantSanctionsScore: screened.merchant.sanction?.score ?? 0,
    merchantSanctionsMatch: matchText(screened.merchant.sanction),
    'velocity.device.smallCount.10m': stored.deviceSmall10m,
    'velocity.ip.smallCount.10m': stored.ipSmall10m,
    'distinct.merchantsPerPayer.24h': stored.merchantsPerPayer24h,
    'distinct.payersPerMerchant.1h': stored.payersPerMerchant1h,
    'distinct.devicesPerWallet.24h': stored.devicesPerWallet24h,
    'payer.dailyTotal.usd': dailyUsd,
    'payer.dailyTotal.cny': dailyUsd * cnyPerUsd,
    'structuring.count.24h': stored.nearThreshold24h + (isPayment && isNearThreshold(usd, cny) ? 1 : 0),
    'payer.profile.count': p.count,
    'payer.profile.meanUsd': mean,
    'payer.profile.stdDevUsd': stdDev,
    'payer.profile.maxUsd': maxUsd,
    'payer.amountZScore': z,
    'payer.amountToMax': maxUsd > 0 ? usd / maxUsd : 0,
    'payer.travel.km': moved.km,
    'payer.travel.minutes': moved.minutes,
    'payer.travel.kmh': moved.kmh,
    'payer.refunds.count.30d': p.refunds,
    'payer.sales.count.30d': sales,
    'payer.refunds.ratio.30d': p.refunds / Math.max(1, sales),
    'merchant.refunds.count.30d': stored.merchant.refunds,
    'merchant.sales.count.30d': stored.merchant.sales,
    'merchant.refunds.ratio.30d': stored.merchant.refunds / Math.max(1, stored.merchant.sales),
  };
  for (const name of VELOCITY_FACT_NAMES) {
    const v = stored.velocity[name.entity];
    facts[name.count] = v.count[name.window];
    facts[name.amount] = v.amountCents[name.window] / 100;
  }
  return facts as Facts;
}
