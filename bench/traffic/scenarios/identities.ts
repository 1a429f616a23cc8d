import type { SimulatedParticipant } from '../participants.ts';

/**
 * Fresh identities for one scenario instance: payers, devices, IP addresses and txnIds no
 * other instance and no ordinary payer ever uses, so scenarios never feed each other's
 * velocity counters or profiles. IPs come from 198.18.0.0/15, the range set aside for
 * benchmarks (RFC 2544); ordinary payers use public-looking prefixes.
 */
export interface FreshPayer {
  participantId: string;
  walletId: string;
  userId: string;
  deviceId: string;
  ip: string;
  /** The payer's country: the wallet's, unless a scenario says otherwise. */
  country: string;
}

export interface InstanceIds {
  payer(wallet: SimulatedParticipant): FreshPayer;
  device(): string;
  ip(): string;
  txn(): string;
}

/** Hands out ids for the instances of one run; `runId` keeps reruns apart. */
export function createIdAllocator(runId: string) {
  let ipSequence = 0;
  return {
    forInstance(instanceId: string): InstanceIds {
      const prefix = `sc-${runId}-${instanceId}`;
      let payers = 0;
      let devices = 0;
      let txns = 0;
      const device = () => `${prefix}-d${++devices}`;
      const ip = () => benchmarkIp(++ipSequence);
      return {
        payer(wallet) {
          const n = ++payers;
          return {
            participantId: wallet.id,
            walletId: `${prefix}-w${n}`,
            userId: `${prefix}-u${n}`,
            deviceId: device(),
            ip: ip(),
            country: wallet.country,
          };
        },
        device,
        ip,
        txn: () => `${prefix}-t${++txns}`,
      };
    },
  };
}

/** The n-th address of 198.18.0.0/15 (n from 1), skipping nothing: 131,071 addresses per run. */
export function benchmarkIp(n: number): string {
  if (!Number.isInteger(n) || n < 1 || n >= 1 << 17) throw new RangeError(`benchmark IP ${n} is outside 198.18.0.0/15`);
  return `198.${18 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
}
