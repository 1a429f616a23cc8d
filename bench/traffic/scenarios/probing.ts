import { amountBetween } from './money.ts';
import { spotIn, walletAndCity } from './places.ts';
import type { ScenarioVariant } from './scenario.ts';
import { gapForAtMost, labelled, payment, spacedTimes } from './steps.ts';

/**
 * Probing: many small payments (USD 0.30-2.50) from one device or one IP within ten
 * minutes, each with another wallet, as someone trying stolen credentials would. Spaced so
 * no one-minute velocity limit is crossed: what should catch it is the count of small
 * payments, from the first one beyond the pack's limit.
 */

const EXTRA = 4;
const SMALL_USD = { from: 0.3, to: 2.5 } as const;
const PROBING_WINDOW_MS = 10 * 60_000;

export const probingDevice: ScenarioVariant = {
  typology: 'probing',
  name: 'device',
  weight: 1,
  requests: (limits) => limits.probingSmallPerDevice + EXTRA,
  generate(context) {
    const { random, ids, fx, limits } = context;
    const { wallet, merchants } = walletAndCity(context, 1);
    const device = ids.device();
    const ip = ids.ip();
    const where = spotIn(random, merchants[0]!, 3);
    const count = limits.probingSmallPerDevice + EXTRA;
    // Each payment is another wallet's: only the device's and the IP's minute limits constrain the pace.
    const gap = gapForAtMost(Math.min(limits.devicePerMinute, limits.ipPerMinute));
    const times = withinWindow(spacedTimes(random, count, gap, gap + 3000));
    return times.map((atMs, i) => {
      const merchant = merchants[i % merchants.length]!;
      return payment(context, {
        atMs,
        payer: ids.payer(wallet),
        merchant,
        deviceId: device,
        ip,
        amount: amountBetween(fx, random, merchant.currency, SMALL_USD.from, SMALL_USD.to),
        location: where,
        label: labelled('probing', i + 1 > limits.probingSmallPerDevice),
      });
    });
  },
};

export const probingIp: ScenarioVariant = {
  typology: 'probing',
  name: 'ip',
  weight: 1,
  requests: (limits) => limits.probingSmallPerIp + EXTRA,
  generate(context) {
    const { random, ids, fx, limits } = context;
    const { wallet, merchants } = walletAndCity(context, 1);
    const ip = ids.ip();
    const where = spotIn(random, merchants[0]!, 3);
    const count = limits.probingSmallPerIp + EXTRA;
    // A few payments per device, well under the per-device limits, so only the IP stands out.
    const perDevice = Math.max(1, Math.min(3, limits.probingSmallPerDevice, limits.devicePerMinute));
    const devices = Array.from({ length: Math.ceil(count / perDevice) }, () => ids.device());
    const gap = gapForAtMost(limits.ipPerMinute);
    const times = withinWindow(spacedTimes(random, count, gap, gap + 2000));
    return times.map((atMs, i) => {
      const merchant = merchants[i % merchants.length]!;
      return payment(context, {
        atMs,
        payer: ids.payer(wallet),
        merchant,
        deviceId: devices[i % devices.length],
        ip,
        amount: amountBetween(fx, random, merchant.currency, SMALL_USD.from, SMALL_USD.to),
        location: where,
        label: labelled('probing', i + 1 > limits.probingSmallPerIp),
      });
    });
  },
};

/** Probing is "within ten minutes": a pack whose limits would stretch it beyond is a scenario that cannot be. */
function withinWindow(times: number[]): number[] {
  const last = times.at(-1) ?? 0;
  if (last >= PROBING_WINDOW_MS - 30_000) {
    throw new Error(`probing needs ${times.length} payments in 10 minutes, but the velocity limits space them over ${Math.round(last / 1000)} s`);
  }
  return times;
}
