import type { Money } from '../../../domain/transaction.ts';
import type { FxTable } from '../../../switch/fx.ts';
import type { SimulatedParticipant } from '../participants.ts';
import type { PaymentRequestBody } from '../payment-generator.ts';
import type { Random } from '../random.ts';
import type { InstanceIds } from './identities.ts';
import type { ScenarioLimits } from './limits.ts';

/**
 * A fraud scenario: a generator of a labelled sequence of requests with timing. Each
 * request says what it is (its typology) and whether a risk engine should flag it, so a
 * benchmark can score what the engine decided against the truth.
 */

/** The typologies of the detection benchmark, named like the rule pack's `typology` tags. */
export const TYPOLOGIES = [
  'velocity',
  'probing',
  'large-value',
  'structuring',
  'amount-spike',
  'account-takeover',
  'geo-impossible-travel',
  'sanctions',
  'high-risk-mcc',
  'mule-fan-in',
  'mule-fan-out',
  'refund-abuse',
] as const;
export type Typology = (typeof TYPOLOGIES)[number];

export function isTypology(value: string): value is Typology {
  return (TYPOLOGIES as readonly string[]).includes(value);
}

/**
 * The ground truth of one request. `shouldFlag` is about its own typology: the first
 * payments of a burst belong to the scenario but are not yet suspicious. `also` names other
 * typologies the request truly shows and should be flagged for (a structured payment that
 * also takes the day's total past the large-value threshold).
 */
export interface Label {
  typology: Typology;
  shouldFlag: boolean;
  also?: Typology[];
}

/** A merchant as scenarios see it: from the config, with its acquirer (who sends refunds). */
export interface ScenarioMerchant {
  id: string;
  name: string;
  mcc: string;
  country: string;
  city: string;
  currency: string;
  acquirer: string;
}

export interface ScenarioPayment {
  kind: 'payment';
  /** Milliseconds after the instance starts. */
  atMs: number;
  txnId: string;
  /** The wallet that sends and signs it. */
  participantId: string;
  merchantId: string;
  amount: Money;
  payer: PaymentRequestBody['payer'];
  label: Label;
}

export interface ScenarioRefund {
  kind: 'refund';
  atMs: number;
  txnId: string;
  /** The merchant's acquirer: only it may refund. */
  participantId: string;
  /** txnId of the payment of this instance that is refunded. */
  refundOf: string;
  /** Absent: the whole payment. */
  amount?: Money;
  label: Label;
}

export type ScenarioStep = ScenarioPayment | ScenarioRefund;

/** What a scenario may use: fresh identities, the merchants, the gateway's FX, the pack's limits. */
export interface ScenarioContext {
  ids: InstanceIds;
  /** Wall clock when the instance starts: merchant local time depends on it. */
  startsAtMs: number;
  homeCountry: string;
  /** Wallet participants (overseas and domestic). */
  wallets: readonly SimulatedParticipant[];
  /** The established merchants ordinary traffic pays. */
  merchants: readonly ScenarioMerchant[];
  /** Merchants in a high-risk category, spread over time zones (bench config). */
  highRiskMerchants: readonly ScenarioMerchant[];
  /** Merchants created for this instance alone, without any history (bench config). */
  ownMerchants: readonly ScenarioMerchant[];
  fx: FxTable;
  limits: ScenarioLimits;
  sanctionedCountries: readonly string[];
  random: Random;
}

export interface ScenarioVariant {
  typology: Typology;
  /** Unique within its typology, e.g. "payer-burst". */
  name: string;
  /** Relative share of its typology's instances. */
  weight: number;
  /** Fresh merchants each instance needs (created in the bench config before the platform starts). */
  ownMerchants?: number;
  /** Requests one instance sends, on average: how the schedule turns a rate into instances. */
  requests(limits: ScenarioLimits): number;
  /** The steps of one instance, ordered by time. */
  generate(context: ScenarioContext): ScenarioStep[];
}

export const variantKey = (v: Pick<ScenarioVariant, 'typology' | 'name'>): string => `${v.typology}/${v.name}`;
