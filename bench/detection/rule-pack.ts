import { readFileSync } from 'node:fs';
import path from 'node:path';
import { RISK_DEGRADED } from '../../rules/degraded.ts';
import { REPOSITORY_ROOT } from '../platform-process.ts';
import {
  HIGH_RISK_MCCS_LIST,
  limitsFromPack,
  packList,
  SANCTIONED_COUNTRIES_LIST,
  type RulePack,
  type ScenarioLimits,
} from '../traffic/scenarios/limits.ts';
import { TYPOLOGIES } from '../traffic/scenarios/scenario.ts';
import { DEGRADED } from './score.ts';

/**
 * The rule pack as the benchmark reads it, at run time (it is still changing): which
 * typology each rule id is tagged with, the limits scenarios are sized by, and the lists.
 */

export const DEFAULT_PACK_PATH = path.join(REPOSITORY_ROOT, 'rules/default-pack.json');

export interface PackView {
  file: string;
  typologyOfRule: Map<string, string>;
  limits: ScenarioLimits;
  sanctionedCountries: string[];
  highRiskMccs: string[];
  /** Limits that fell back, and benchmark typologies no rule is tagged with. */
  warnings: string[];
}

export function readRulePack(file: string = DEFAULT_PACK_PATH): PackView {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`rule pack ${file}: ${(e as Error).message}`);
  }
  return viewOfPack(raw, file);
}

export function viewOfPack(raw: unknown, file = '(pack)'): PackView {
  const pack = raw as Partial<RulePack> | null;
  if (!pack || !Array.isArray(pack.rules)) throw new Error(`rule pack ${file}: no "rules" array`);
  const rules = pack.rules.filter((r) => typeof r?.id === 'string' && typeof r.when === 'object' && r.when !== null);
  const typologyOfRule = new Map<string, string>();
  for (const rule of rules) typologyOfRule.set(rule.id, typeof rule.typology === 'string' ? rule.typology : 'untagged');
  // Not a rule: the engine's fallback when it could not score in time. Shown apart, never credited to a typology.
  typologyOfRule.set(RISK_DEGRADED, DEGRADED);
  const view = { rules, lists: pack.lists ?? {} };
  const { limits, warnings } = limitsFromPack(view);
  const tags = new Set(rules.map((r) => r.typology));
  for (const typology of TYPOLOGIES) {
    if (!tags.has(typology)) warnings.push(`no rule in the pack is tagged "${typology}": its precision cannot be measured`);
  }
  return {
    file,
    typologyOfRule,
    limits,
    sanctionedCountries: packList(view, SANCTIONED_COUNTRIES_LIST),
    highRiskMccs: packList(view, HIGH_RISK_MCCS_LIST),
    warnings,
  };
}
