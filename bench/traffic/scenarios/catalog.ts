import { fanIn, fanOut } from './mule.ts';
import { highRiskAtNight, highRiskByDay } from './high-risk-mcc.ts';
import { impossibleTravel } from './geo-impossible-travel.ts';
import { largeDaily, largeSingle, structuring } from './large-value.ts';
import { amountSpike, newDeviceHighAmount, newDeviceOrdinary } from './payer-history.ts';
import { probingDevice, probingIp } from './probing.ts';
import { refundingMerchant, refundingPayer } from './refund-abuse.ts';
import { sanctionedPayer } from './sanctions.ts';
import type { ScenarioVariant, Typology } from './scenario.ts';
import { deviceBurst, payerBurst } from './velocity.ts';

/** Every scenario variant, by typology: what the detection benchmark mixes into ordinary traffic. */
export const SCENARIO_VARIANTS: readonly ScenarioVariant[] = [
  payerBurst,
  deviceBurst,
  probingDevice,
  probingIp,
  largeSingle,
  largeDaily,
  structuring,
  amountSpike,
  newDeviceHighAmount,
  newDeviceOrdinary,
  impossibleTravel,
  sanctionedPayer,
  highRiskAtNight,
  highRiskByDay,
  fanIn,
  fanOut,
  refundingPayer,
  refundingMerchant,
];

export function variantsOf(typology: Typology): ScenarioVariant[] {
  return SCENARIO_VARIANTS.filter((v) => v.typology === typology);
}
