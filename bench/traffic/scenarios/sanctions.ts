import { amountBetween } from './money.ts';
import { spotIn, walletAndCity } from './places.ts';
import type { ScenarioVariant } from './scenario.ts';
import { labelled, payment, spacedTimes } from './steps.ts';

/**
 * A payer from a sanctioned country (the pack's sanctioned-countries list) paying with a
 * wallet of a country that is not. No participant or merchant of the config is in a
 * sanctioned country, so it is the payer's declared country (`payer.country`, which the
 * rules read before the corridor) that carries it. Every such payment should be flagged.
 */
export const sanctionedPayer: ScenarioVariant = {
  typology: 'sanctions',
  name: 'payer-country',
  weight: 1,
  requests: () => 1.5,
  generate(context) {
    const { random, ids, fx, sanctionedCountries } = context;
    if (sanctionedCountries.length === 0) throw new Error('the rule pack lists no sanctioned country');
    const { wallet, merchants } = walletAndCity(context, 1);
    const payer = ids.payer(wallet);
    const country = random.pick(sanctionedCountries);
    const where = spotIn(random, merchants[0]!, 5);
    return spacedTimes(random, random.next() < 0.5 ? 1 : 2, 20_000, 90_000).map((atMs) => {
      const merchant = random.pick(merchants);
      return payment(context, {
        atMs,
        payer,
        merchant,
        country,
        amount: amountBetween(fx, random, merchant.currency, 20, 300),
        location: where,
        label: labelled('sanctions', true),
      });
    });
  },
};
