import { homeLocation, homeCitiesOf } from '../geography.ts';
import { amountBetween } from './money.ts';
import { merchantsPayableBy, overseasWallets, spotIn } from './places.ts';
import type { ScenarioVariant } from './scenario.ts';
import { gapForAtMost, labelled, payment, spacedTimes } from './steps.ts';

/**
 * Money mules. Fan-in: many payers paying one newly onboarded merchant (created for the
 * instance, without history) within minutes. Fan-out: one wallet paying many merchants,
 * from where the mule sits, within minutes. The pattern shows from the first counterpart
 * beyond the pack's limit; the ones before are labelled not to be flagged.
 */

const EXTRA_FAN_IN = 10;
const EXTRA_FAN_OUT = 3;

export const fanIn: ScenarioVariant = {
  typology: 'mule-fan-in',
  name: 'many-payers-one-new-merchant',
  weight: 1,
  ownMerchants: 1,
  requests: (limits) => limits.fanInPayers + EXTRA_FAN_IN,
  generate(context) {
    const { random, ids, fx, limits } = context;
    const merchant = context.ownMerchants[0];
    if (!merchant) throw new Error('fan-in needs a merchant of its own in the bench config');
    const wallets = overseasWallets(context).filter((w) => w.country !== merchant.country);
    if (wallets.length === 0) throw new Error(`no overseas wallet can pay ${merchant.id}`);
    const count = limits.fanInPayers + EXTRA_FAN_IN;
    const minUsd = Math.max(150, limits.fanInMinUsd * 1.5);
    return spacedTimes(random, count, 2000, 6000).map((atMs, i) =>
      payment(context, {
        atMs,
        payer: ids.payer(random.pick(wallets)),
        merchant,
        amount: amountBetween(fx, random, merchant.currency, minUsd, Math.max(950, minUsd * 2)),
        location: spotIn(random, merchant, 15),
        label: labelled('mule-fan-in', i + 1 > limits.fanInPayers),
      }),
    );
  },
};

export const fanOut: ScenarioVariant = {
  typology: 'mule-fan-out',
  name: 'one-payer-many-merchants',
  weight: 1,
  requests: (limits) => limits.fanOutMerchants + EXTRA_FAN_OUT,
  generate(context) {
    const { random, ids, fx, limits } = context;
    const needed = limits.fanOutMerchants + EXTRA_FAN_OUT;
    const wallets = overseasWallets(context).filter((w) => merchantsPayableBy(context, w).length >= needed);
    if (wallets.length === 0) throw new Error(`no wallet can pay ${needed} different merchants`);
    const wallet = random.pick(wallets);
    const merchants = shuffled(merchantsPayableBy(context, wallet), random.next).slice(0, needed);
    const payer = ids.payer(wallet);
    // The mule pays static QR codes sent to it, from home: one place, so travel speed says nothing.
    const home = homeLocation(homeCitiesOf(wallet.country)[0], wallet.country);
    const gap = gapForAtMost(Math.min(limits.payerPerMinute, limits.devicePerMinute));
    // Under the amount a spike would need, so only the spread of merchants stands out.
    const maxUsd = Math.min(400, limits.spikeMinUsd * 0.8);
    return spacedTimes(random, needed, gap, gap + 4000).map((atMs, i) => {
      const merchant = merchants[i]!;
      return payment(context, {
        atMs,
        payer,
        merchant,
        amount: amountBetween(fx, random, merchant.currency, Math.min(40, maxUsd / 2), maxUsd),
        location: home,
        label: labelled('mule-fan-out', i + 1 > limits.fanOutMerchants),
      });
    });
  },
};

function shuffled<T>(items: readonly T[], next: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
