import type { Money } from '../../domain/transaction.ts';
import { drawAmount } from '../traffic/amounts.ts';
import { amountBetween, usdOf } from '../traffic/scenarios/money.ts';
import { cities, merchantsPayableBy, spotIn } from '../traffic/scenarios/places.ts';
import type { ScenarioContext, ScenarioMerchant, ScenarioPayment, ScenarioVariant } from '../traffic/scenarios/scenario.ts';
import { gapForAtMost, labelled, payment, spacedTimes } from '../traffic/scenarios/steps.ts';

/**
 * Amount spikes from short histories, played by the detection benchmark next to the
 * traffic catalog's scenarios: a payer with a handful of small payments who then pays two
 * orders of magnitude more (fraud), and its legitimate double, a small spender with as
 * short a history who buys something expensive. Both live in the same cities, pay from
 * one phone at one spot and keep the same pace: only the amounts tell them apart.
 */

/** A handful: fewer payments than the long-history spike rule needs, enough to be a pattern. */
export const HANDFUL = { min: 3, max: 4 } as const;
/** A warm-up payment is small as the platform counts small (under USD 5, what probing looks for): it costs next to nothing. */
export const SMALL_USD = { from: 1, to: 4.5 } as const;
/** The truth of the typology: the spike is at least this many times the payer's largest payment. */
export const TWO_ORDERS = 100;
/** What people buy once in a while: a phone, a watch, a few nights in a hotel. */
export const BIG_TICKET_USD = { from: 300, to: 2500 } as const;
/** Watches and jewellery, electronics, duty free, department stores, hotels. */
const BIG_TICKET_MCCS: ReadonlySet<string> = new Set(['5944', '5732', '5309', '5311', '7011']);

/** A variant whose every request is ordinary traffic: scored as legitimate, not as its typology. */
export interface LegitimateVariant extends ScenarioVariant {
  legitimate: true;
}

export const isLegitimateVariant = (variant: ScenarioVariant): variant is LegitimateVariant =>
  (variant as Partial<LegitimateVariant>).legitimate === true;

interface Setting {
  payer: ReturnType<ScenarioContext['ids']['payer']>;
  everyday: ScenarioMerchant[];
  bigTicket: ScenarioMerchant[];
  where: ReturnType<typeof spotIn>;
  times: number[];
}

/** A wallet, a city with an everyday merchant and a big-ticket one it can pay, a spot there, the history's times. */
function setting(context: ScenarioContext): Setting {
  const { random, ids, limits } = context;
  if (HANDFUL.max >= limits.spikeHistory) {
    throw new Error(`a handful (${HANDFUL.max}) is not a short history for a pack that looks at ${limits.spikeHistory} payments`);
  }
  const options = context.wallets.flatMap((wallet) =>
    cities(merchantsPayableBy(context, wallet), 2)
      .map((city) => ({
        wallet,
        everyday: city.filter((m) => !BIG_TICKET_MCCS.has(m.mcc)),
        bigTicket: city.filter((m) => BIG_TICKET_MCCS.has(m.mcc)),
      }))
      .filter((c) => c.everyday.length > 0 && c.bigTicket.length > 0),
  );
  if (options.length === 0) throw new Error('no wallet can pay an everyday and a big-ticket merchant in one city');
  const chosen = random.pick(options);
  const count = HANDFUL.min + random.int(HANDFUL.max - HANDFUL.min + 1);
  const gap = gapForAtMost(Math.min(limits.payerPerMinute, limits.devicePerMinute));
  return {
    payer: ids.payer(chosen.wallet),
    everyday: chosen.everyday,
    bigTicket: chosen.bigTicket,
    where: spotIn(random, chosen.everyday[0]!, 3),
    times: spacedTimes(random, count, gap, gap + 5000),
  };
}

function history(context: ScenarioContext, s: Setting, amountAt: (merchant: ScenarioMerchant) => Money, typology: ScenarioVariant['typology']): ScenarioPayment[] {
  return s.times.map((atMs, i) => {
    const merchant = s.everyday[i % s.everyday.length]!;
    return payment(context, { atMs, payer: s.payer, merchant, amount: amountAt(merchant), location: s.where, label: labelled(typology, false) });
  });
}

const largestUsd = (context: ScenarioContext, steps: readonly ScenarioPayment[]) => Math.max(...steps.map((s) => usdOf(context.fx, s.amount)));
const afterMs = (context: ScenarioContext, s: Setting) => (s.times.at(-1) ?? 0) + 20_000 + context.random.next() * 40_000;

/**
 * The fraud: three or four small payments, then one of at least 100 times the largest of
 * them and above the amount the pack reviews spikes from (up to 2.5 times that), at the
 * city's big-ticket merchant. The long-history spike rule cannot see it: too few payments.
 */
export const shortHistorySpike: ScenarioVariant = {
  typology: 'amount-spike',
  name: 'short-history',
  weight: 1,
  requests: () => (HANDFUL.min + HANDFUL.max) / 2 + 1,
  generate(context) {
    const { random, fx, limits } = context;
    const s = setting(context);
    const steps = history(context, s, (m) => amountBetween(fx, random, m.currency, SMALL_USD.from, SMALL_USD.to), 'amount-spike');
    const largest = largestUsd(context, steps);
    const shop = random.pick(s.bigTicket);
    const least = Math.max(TWO_ORDERS * largest, limits.spikeMinUsd * 1.2);
    const amount = amountBetween(fx, random, shop.currency, least, least * 2.5);
    const spike = payment(context, {
      atMs: afterMs(context, s),
      payer: s.payer,
      merchant: shop,
      amount,
      location: s.where,
      label: labelled('amount-spike', usdOf(fx, amount) >= TWO_ORDERS * largest),
    });
    return [...steps, spike];
  },
};

/**
 * Its legitimate double: three or four everyday payments at what ordinary traffic pays
 * those merchants (a few of them under USD 5 too: a drink, a bun), then a big-ticket
 * purchase of USD 300 to 2,500. Not fraud: the run counts it with ordinary traffic,
 * against the false-positive rate.
 */
export const smallSpenderBigTicket: LegitimateVariant = {
  typology: 'amount-spike',
  name: 'small-spender-big-ticket',
  weight: 1,
  legitimate: true,
  requests: () => (HANDFUL.min + HANDFUL.max) / 2 + 1,
  generate(context) {
    const { random, fx } = context;
    const s = setting(context);
    const steps = history(context, s, (m) => ({ value: drawAmount(random, m.mcc, m.currency), currency: m.currency }), 'amount-spike');
    const shop = random.pick(s.bigTicket);
    const purchase = payment(context, {
      atMs: afterMs(context, s),
      payer: s.payer,
      merchant: shop,
      amount: amountBetween(fx, random, shop.currency, BIG_TICKET_USD.from, BIG_TICKET_USD.to),
      location: s.where,
      label: labelled('amount-spike', false),
    });
    return [...steps, purchase];
  },
};
