import type { Currency } from './currency.ts';
import { parseMinorUnits } from './money.ts';
import type { Participant } from './registry.ts';

/** The simulated issuer's limits of a wallet participant, in minor units of its currency. */
export interface IssuerLimits {
  openingBalance: bigint;
  perPaymentLimit: bigint;
  dailyLimit: bigint;
}

const cache = new WeakMap<Participant, IssuerLimits>();

export function issuerLimits(participant: Participant, currency: Currency): IssuerLimits {
  const cached = cache.get(participant);
  if (cached) return cached;
  const minor = (value: string | undefined) => {
    const parsed = value === undefined ? undefined : parseMinorUnits(value, currency);
    return parsed?.ok ? parsed.value : 0n;
  };
  const limits = {
    openingBalance: minor(participant.issuer?.openingBalance),
    perPaymentLimit: minor(participant.issuer?.perPaymentLimit),
    dailyLimit: minor(participant.issuer?.dailyLimit),
  };
  cache.set(participant, limits);
  return limits;
}
