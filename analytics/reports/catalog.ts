import { alertHandling } from './alert-handling.ts';
import { corridorFlows } from './corridor-flows.ts';
import { highRiskMerchants } from './high-risk-merchants.ts';
import { largeValueTransactions } from './large-value.ts';
import { participantActivity } from './participant-activity.ts';
import type { ReportDefinition } from './report.ts';
import { ruleEffectiveness } from './rule-effectiveness.ts';
import { structuringCandidates } from './structuring.ts';
import { velocityBreaches } from './velocity-breaches.ts';

/** Every report compliance teams can run, in the order the catalog lists them. */
export const REPORTS: readonly ReportDefinition[] = Object.freeze([
  largeValueTransactions,
  structuringCandidates,
  velocityBreaches,
  corridorFlows,
  highRiskMerchants,
  ruleEffectiveness,
  alertHandling,
  participantActivity,
]);

export function findReport(name: string, reports: readonly ReportDefinition[] = REPORTS): ReportDefinition | undefined {
  return reports.find((r) => r.name === name);
}
