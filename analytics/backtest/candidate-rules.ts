import { err, ok, type Result } from '../../domain/result.ts';
import { compileRuleSet, validateRule, type CompiledRuleSet, type Rule, type RuleInvalidError, type StoredRule } from '../../rules/index.ts';

/** The rule set a backtest runs: the running one, with the candidate rules replacing or adding rules by id. */
export interface CandidateChange {
  id: string;
  /** The version the candidate would get if stored: the running one's plus one, or 1 for a new rule. */
  version: number;
  mode: Rule['mode'];
  change: 'replaced' | 'added';
}

export interface BaseRuleSet {
  version: string;
  rules: ReadonlyArray<Pick<StoredRule, keyof Rule | 'version'>>;
}

/** At most this many candidate rules per backtest. */
export const MAX_CANDIDATE_RULES = 100;

/**
 * Validates each candidate as PUT /v1/rules does; the first problem comes back with its
 * path inside the request body (`/rules/2/when/fact`). A candidate whose mode is `off`
 * takes the rule out of the set (what disabling it would do).
 */
export function checkCandidates(candidates: readonly unknown[]): Result<Rule[], RuleInvalidError> {
  if (candidates.length > MAX_CANDIDATE_RULES) {
    return err({ code: 'RULE_INVALID', message: `/rules: at most ${MAX_CANDIDATE_RULES} candidate rules`, path: '/rules' });
  }
  const rules: Rule[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < candidates.length; i++) {
    const checked = validateRule(candidates[i]);
    if (!checked.ok) {
      const path = `/rules/${i}${checked.error.path}`;
      return err({ code: 'RULE_INVALID', path, message: `${path}: ${checked.error.message.replace(/^[^:]*: /, '')}` });
    }
    if (seen.has(checked.value.id)) {
      return err({ code: 'RULE_INVALID', path: `/rules/${i}/id`, message: `/rules/${i}/id: "${checked.value.id}" appears twice among the candidates` });
    }
    seen.add(checked.value.id);
    const { version: _ignored, ...rule } = checked.value;
    rules.push(rule as Rule);
  }
  return ok(rules);
}

export function candidateRuleSet(base: BaseRuleSet, candidates: readonly Rule[]): { ruleSet: CompiledRuleSet; changes: CandidateChange[] } {
  const byId = new Map(base.rules.map((r) => [r.id, { ...r }]));
  const changes: CandidateChange[] = [];
  for (const rule of candidates) {
    const running = byId.get(rule.id);
    const version = running ? running.version + 1 : 1;
    byId.set(rule.id, { ...rule, version });
    changes.push({ id: rule.id, version, mode: rule.mode, change: running ? 'replaced' : 'added' });
  }
  const ruleSet = compileRuleSet(`${base.version}+candidate`, [...byId.values()]);
  return { ruleSet, changes };
}
