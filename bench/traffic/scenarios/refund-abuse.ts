import { amountBetween } from './money.ts';
import { overseasWallets, spotIn, walletAndCity } from './places.ts';
import type { ScenarioPayment, ScenarioStep, ScenarioVariant } from './scenario.ts';
import { gapForAtMost, labelled, payment, refund, spacedTimes } from './steps.ts';

/**
 * Refund abuse, refunds sent by the merchant's acquirer as the contract requires. Payer:
 * a wallet whose payments are mostly refunded; its next payments should be flagged once
 * it has as many refunds, and as high a share, as the pack calls abuse. Merchant: a new
 * merchant (created for the instance) refunding a large share of its sales; its refunds
 * should be flagged from the first one past both limits.
 */

/** Whether `refunds` for `sales` crosses a limit of the pack (at least `minCount`, a share above `ratio`). */
export function isAbusive(refunds: number, sales: number, limit: { minCount: number; ratio: number }): boolean {
  return refunds >= limit.minCount && refunds / Math.max(1, sales) > limit.ratio;
}

const FOLLOW_UPS = 2;

export const refundingPayer: ScenarioVariant = {
  typology: 'refund-abuse',
  name: 'payer',
  weight: 1,
  requests: (limits) => 2 * (limits.refundPayer.minCount + 1) + FOLLOW_UPS,
  generate(context) {
    const { random, fx, limits, ids } = context;
    const limit = limits.refundPayer;
    const { wallet, merchants: city } = walletAndCity(context, 2);
    const payer = ids.payer(wallet);
    const where = spotIn(random, city[0]!, 3);
    const sales = limit.minCount + 1;
    // Refund all, or just enough to be abuse by the pack's measure.
    let refunded = sales;
    if (random.next() < 0.5) {
      for (let k = limit.minCount; k <= sales; k++) {
        if (isAbusive(k, sales, limit)) {
          refunded = k;
          break;
        }
      }
    }
    const gap = gapForAtMost(Math.min(limits.payerPerMinute, limits.devicePerMinute));
    const times = spacedTimes(random, sales + FOLLOW_UPS, gap, gap + 6000);
    const steps: ScenarioStep[] = [];
    let approvedSales = 0;
    let approvedRefunds = 0;
    times.forEach((atMs, i) => {
      const merchant = city[i % city.length]!;
      // Any payment made once the refunds are abuse is flagged, the follow-ups and a late one of the first round alike.
      const abusive = isAbusive(approvedRefunds, approvedSales, limit);
      const paid: ScenarioPayment = payment(context, {
        atMs,
        payer,
        merchant,
        amount: amountBetween(fx, random, merchant.currency, 30, 250),
        location: where,
        label: labelled('refund-abuse', abusive),
      });
      steps.push(paid);
      approvedSales++;
      if (i < refunded) {
        // Refunds are the merchant's doing: the payer's own rule looks at payments, not at them.
        steps.push(refund(context, paid, merchant, atMs + 4000 + random.next() * 6000, labelled('refund-abuse', false)));
        approvedRefunds++;
      }
    });
    return steps.sort((a, b) => a.atMs - b.atMs);
  },
};

export const refundingMerchant: ScenarioVariant = {
  typology: 'refund-abuse',
  name: 'merchant',
  weight: 1,
  ownMerchants: 1,
  requests: (limits) => 2 * (limits.refundMerchant.minCount + 6) + 2,
  generate(context) {
    const { random, fx, limits, ids } = context;
    const limit = limits.refundMerchant;
    const merchant = context.ownMerchants[0];
    if (!merchant) throw new Error('refund abuse by a merchant needs a merchant of its own in the bench config');
    const wallets = overseasWallets(context).filter((w) => w.country !== merchant.country);
    if (wallets.length === 0) throw new Error(`no overseas wallet can pay ${merchant.id}`);
    const refunds = limit.minCount + 6;
    const sales = refunds + 2;
    const times = spacedTimes(random, sales, 2000, 5000);
    const payments = times.map((atMs) =>
      payment(context, {
        atMs,
        payer: ids.payer(random.pick(wallets)),
        merchant,
        amount: amountBetween(fx, random, merchant.currency, 30, 250),
        location: spotIn(random, merchant, 8),
        label: labelled('refund-abuse', false),
      }),
    );
    const refundTimes = spacedTimes(random, refunds, 2000, 5000, (times.at(-1) ?? 0) + 5000);
    const refundSteps = refundTimes.map((atMs, j) =>
      // The j-th refund sees the j refunds before it (approved ones count) against all the sales.
      refund(context, payments[j]!, merchant, atMs, labelled('refund-abuse', isAbusive(j, sales, limit))),
    );
    return [...payments, ...refundSteps];
  },
};
