import type { Direction, ParticipantKind } from '../domain/transaction.ts';
import { err, ok, type DomainError, type Result } from '../domain/result.ts';

/**
 * Which way a payment crosses the border. Inbound: an overseas wallet pays a merchant in
 * the gateway's home market. Outbound: a home-market wallet pays a merchant abroad.
 * Cross-market: an overseas wallet pays a merchant outside the home market.
 */
export function routeDirection(
  payerKind: ParticipantKind,
  merchantCountry: string,
  homeCountry: string,
): Result<Direction, DomainError> {
  const merchantAtHome = merchantCountry === homeCountry;
  if (payerKind === 'overseas_wallet') return ok(merchantAtHome ? 'inbound' : 'cross-market');
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
