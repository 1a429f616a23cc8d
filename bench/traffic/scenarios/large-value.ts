import type { Money } from '../../../domain/transaction.ts';
import type { FxTable } from '../../../switch/fx.ts';
import {
  amountBetween,
  amountForUsd,
  cnyOf,
  isInStructuringBand,
  isLargeValue,
  LARGE_VALUE_CNY,
  LARGE_VALUE_USD,
  STRUCTURING_COUNT,
  usdOf,
} from './money.ts';
import { cities, merchantsPayableBy, spotIn } from './places.ts';
import type { ScenarioContext, ScenarioMerchant, ScenarioStep, ScenarioVariant, Typology } from './scenario.ts';
import { labelled, payment, spacedTimes } from './steps.ts';

/**
 * Large value and structuring, against the PBOC natural-person cross-border threshold
 * (USD 10,000 or RMB 200,000 equivalent, single or daily cumulative) at the gateway's own
 * FX rates. A payment whose day total (with the payer's earlier payments) reaches the
 * threshold is large value as well, whatever scenario it belongs to: it says so in `also`.
 */

/** Where a five-figure payment is believable: jewellery, electronics, duty free, hotels, stores. */
const HIGH_VALUE_MCCS = new Set(['5944', '5732', '5309', '7011', '5311', '5699', '5977']);

interface BigTicket {
  wallet: ScenarioContext['wallets'][number];
  /** Every merchant of the city, for ordinary purchases. */
  city: ScenarioMerchant[];
  /** The city's merchants where big payments are believable (at least `shop`). */
  shops: ScenarioMerchant[];
  shop: ScenarioMerchant;
}

/** A wallet, a city where it can pay, and the merchants of that city suited to big payments. */
function bigTicket(context: ScenarioContext): BigTicket {
  const options = context.wallets.flatMap((wallet) =>
    cities(merchantsPayableBy(context, wallet)).flatMap((city) => {
      const shops = city.filter((m) => HIGH_VALUE_MCCS.has(m.mcc));
      return shops.map((shop) => ({ wallet, city, shops, shop }));
    }),
  );
  if (options.length > 0) return context.random.pick(options);
  const wallet = context.random.pick(context.wallets);
  const city = context.random.pick(cities(merchantsPayableBy(context, wallet)));
  const shop = context.random.pick(city);
  return { wallet, city, shops: [shop], shop };
}

/** Tracks a payer's day so labels can say when the cumulative total reaches the threshold. */
function dayTotal(fx: FxTable) {
  let usd = 0;
  let cny = 0;
  return {
    /** Adds a payment; true when the day, this payment included, is at or above the threshold. */
    add(amount: Money): boolean {
      usd += usdOf(fx, amount);
      cny += cnyOf(fx, amount);
      return usd >= LARGE_VALUE_USD || cny >= LARGE_VALUE_CNY;
    },
  };
}

/** One ordinary purchase, then a single payment just over the threshold (under the wallets' per-payment limits). */
export const largeSingle: ScenarioVariant = {
  typology: 'large-value',
  name: 'single',
  weight: 1,
  requests: () => 2,
  generate(context) {
    const { random, ids, fx } = context;
    const { wallet, city, shop } = bigTicket(context);
    const payer = ids.payer(wallet);
    const where = spotIn(random, shop, 4);
    const first = random.pick(city);
    const [t1, t2] = spacedTimes(random, 2, 20_000, 90_000);
    return [
      payment(context, {
        atMs: t1!,
        payer,
        merchant: first,
        amount: amountBetween(fx, random, first.currency, 15, 90),
        location: where,
        label: labelled('large-value', false),
      }),
      payment(context, {
        atMs: t2!,
        payer,
        merchant: shop,
        amount: amountForUsd(fx, shop.currency, 10_050 + Math.round(random.next() * 700)),
        location: where,
        label: labelled('large-value', true),
      }),
    ];
  },
};

/** Three payments of USD 3,400-4,800 in a few minutes: none large, the day's total past the threshold at the third. */
export const largeDaily: ScenarioVariant = {
  typology: 'large-value',
  name: 'daily-cumulative',
  weight: 1,
  requests: () => 3,
  generate(context) {
    const { random, ids, fx } = context;
    const { wallet, shops, shop } = bigTicket(context);
    const payer = ids.payer(wallet);
    const where = spotIn(random, shop, 4);
    const day = dayTotal(fx);
    return spacedTimes(random, 3, 20_000, 60_000).map((atMs, i) => {
      const merchant = i === 0 ? shop : random.pick(shops);
      const amount = amountBetween(fx, random, merchant.currency, 3400, 4800);
      return payment(context, { atMs, payer, merchant, amount, location: where, label: labelled('large-value', day.add(amount)) });
    });
  },
};

/**
 * Structuring: payments each at 82-97% of the threshold (inside 80-99% after any rounding)
 * in a few minutes. From the third such payment on the pattern is there; from the second
 * the day total is large value too.
 */
export const structuring: ScenarioVariant = {
  typology: 'structuring',
  name: 'near-threshold',
  weight: 1,
  requests: () => STRUCTURING_COUNT + 0.5,
  generate(context) {
    const { random, ids, fx } = context;
    const { wallet, shops, shop } = bigTicket(context);
    const payer = ids.payer(wallet);
    const where = spotIn(random, shop, 4);
    const day = dayTotal(fx);
    const count = STRUCTURING_COUNT + (random.next() < 0.5 ? 0 : 1);
    let nearThreshold = 0;
    return spacedTimes(random, count, 20_000, 60_000).map((atMs, i): ScenarioStep => {
      const merchant = i === 0 ? shop : random.pick(shops);
      const amount = amountForUsd(fx, merchant.currency, LARGE_VALUE_USD * (0.82 + 0.15 * random.next()));
      if (isInStructuringBand(fx, amount)) nearThreshold++;
      const large = day.add(amount) || isLargeValue(fx, amount);
      const also: Typology[] = large ? ['large-value'] : [];
      return payment(context, {
        atMs,
        payer,
        merchant,
        amount,
        location: where,
        label: labelled('structuring', nearThreshold >= STRUCTURING_COUNT, also),
      });
    });
  },
};
