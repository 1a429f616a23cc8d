import type { Direction, ParticipantKind } from '../domain/transaction.ts';
import { err, ok, type DomainError, type Result } from '../domain/result.ts';

/**
 * Which way a payment crosses the border. Inbound: an overseas wallet pays a merchant in
 * the gateway's home market. Outbound: a home-market wallet pays a merchant abroad.
 * Cross-market: an overseas wallet pays a merchant in another overseas market. Local: an
 * overseas wallet pays a merchant in its own market (a Thai wallet, a Thai merchant),
 * through the gateway but across no border. `payerMarket` is the wallet participant's
 * country, the corridor's first half.
 */
export function routeDirection(
  payerKind: ParticipantKind,
  payerMarket: string,
  merchantCountry: string,
  homeCountry: string,
): Result<Direction, DomainError> {
  const merchantAtHome = merchantCountry === homeCountry;
  if (payerKind === 'overseas_wallet') {
    if (merchantAtHome) return ok('inbound');
    return ok(merchantCountry === payerMarket ? 'local' : 'cross-market');
  }
  if (payerKind === 'domestic_wallet') {
    return merchantAtHome
      ? err({
          code: 'DOMESTIC_PAYMENT_NOT_SUPPORTED',
          message: 'a domestic wallet paying a domestic merchant is not a cross-border payment',
        })
      : ok('outbound');
  }
  return err({ code: 'PARTICIPANT_NOT_A_WALLET', message: 'only wallets initiate payments' });
}

export function corridorOf(payerMarket: string, merchantCountry: string): string {
  return `${payerMarket}-${merchantCountry}`;
}
