import { amountBetween } from './money.ts';
import { spotIn, walletAndCity } from './places.ts';
import type { ScenarioVariant } from './scenario.ts';
import { labelled, payment, spacedTimes } from './steps.ts';

/**
 * Velocity bursts: more payments in a minute than a person makes. The payments up to the
 * pack's limit look ordinary and are labelled so; every one beyond it should be flagged.
 * Amounts stay ordinary (USD 8-80: not probing, not large) and merchants rotate, so only
 * the velocity counters stand out.
 */

/** Beyond the limit: enough to be a burst, few enough to stay a burst of one minute. */
const EXTRA = 3;
const BURST_GAP_MS = { min: 1500, max: 3500 };

/** One wallet paying from two phones in turn (so no single device bursts), one merchant after another. */
export const payerBurst: ScenarioVariant = {
  typology: 'velocity',
  name: 'payer-burst',
  weight: 1,
  requests: (limits) => limits.payerPerMinute + EXTRA,
  generate(context) {
    const { random, ids, fx, limits } = context;
    const { wallet, merchants } = walletAndCity(context, 2);
    const payer = ids.payer(wallet);
    const phones = [payer.deviceId, ids.device()];
    const where = spotIn(random, merchants[0]!, 3);
    const count = limits.payerPerMinute + EXTRA;
    return spacedTimes(random, count, BURST_GAP_MS.min, BURST_GAP_MS.max).map((atMs, i) => {
      const merchant = merchants[i % merchants.length]!;
      return payment(context, {
        atMs,
        payer,
        merchant,
        deviceId: phones[i % 2],
        amount: amountBetween(fx, random, merchant.currency, 8, 80),
        location: where,
        label: labelled('velocity', i + 1 > limits.payerPerMinute),
      });
    });
  },
};

/** One phone paying for one wallet after another: a device farm, or a stolen phone. */
export const deviceBurst: ScenarioVariant = {
  typology: 'velocity',
  name: 'device-burst',
  weight: 1,
  requests: (limits) => limits.devicePerMinute + EXTRA,
  generate(context) {
    const { random, ids, fx, limits } = context;
    // Device ids are unique within a wallet participant, so all the wallets are of one participant.
    const { wallet, merchants } = walletAndCity(context, 1);
    const device = ids.device();
    const ip = ids.ip();
    const where = spotIn(random, merchants[0]!, 3);
    const count = limits.devicePerMinute + EXTRA;
    return spacedTimes(random, count, BURST_GAP_MS.min, BURST_GAP_MS.max).map((atMs, i) => {
      const merchant = merchants[i % merchants.length]!;
      return payment(context, {
        atMs,
        payer: ids.payer(wallet),
        merchant,
        deviceId: device,
        ip,
        amount: amountBetween(fx, random, merchant.currency, 8, 80),
        location: where,
        label: labelled('velocity', i + 1 > limits.devicePerMinute),
      });
    });
  },
};
