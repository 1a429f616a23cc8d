/**
 * Micro-benchmark of rule evaluation alone (no Redis): the same compiled predicates run
 * through node-rules and through the plain loop, in microseconds per fact.
 *   npm run bench:rule-evaluation -- [iterations, default 50000]
 */
import os from 'node:os';
import type { SwitchedMessage } from '../domain/transaction.ts';
import { compileRuleSet, type CompiledRuleSet } from '../rules/compile-rule.ts';
import { createNodeRulesEvaluator } from '../rules/evaluate-node-rules.ts';
import { evaluateDirect } from '../rules/evaluation.ts';
import { VELOCITY_ENTITIES, VELOCITY_WINDOWS, type Facts } from '../rules/facts/catalog.ts';
import { buildFacts } from '../rules/facts/derive.ts';
import type { StoredFacts } from '../rules/facts/gather.ts';
import { loadDefaultPack } from '../rules/rule-store.ts';
import type { Rule } from '../rules/rule-schema.ts';

const iterations = Number(process.argv[2] ?? 50_000);

function stored(count: number, amountCents: number): StoredFacts {
  const velocity = {} as StoredFacts['velocity'];
  for (const e of VELOCITY_ENTITIES) {
    velocity[e] = {
      count: Object.fromEntries(VELOCITY_WINDOWS.map((w, i) => [w, count * (i + 1)])) as Record<(typeof VELOCITY_WINDOWS)[number], number>,
      amountCents: Object.fromEntries(VELOCITY_WINDOWS.map((w, i) => [w, amountCents * (i + 1)])) as Record<(typeof VELOCITY_WINDOWS)[number], number>,
    };
  }
  return {
    velocity,
    deviceSmall10m: 0,
    ipSmall10m: 0,
    nearThreshold24h: 0,
    merchantsPerPayer24h: 2,
    payersPerMerchant1h: 12,
    devicesPerWallet24h: 1,
    deviceNew: false,
    profile: { count: 12, sumCents: 36_000, sumSquaresUsd: 14_000, maxCents: 9_000, refunds: 0, last: { lat: 31.22, lon: 121.46, at: 1_741_060_000_000 } },
    merchant: { sales: 4_000, refunds: 12 },
    lists: { payerCountrySanctioned: false, merchantCountrySanctioned: false, mccHighRisk: false, deviceBlocked: false, walletBlocked: false, blockedBy: '' },
  };
}

const message: SwitchedMessage = {
  paymentId: 'pay-bench',
  messageType: 'payment',
  participant: 'siam-wallet',
  participantKind: 'overseas_wallet',
  initiator: 'siam-wallet',
  txnId: 'txn-bench',
  direction: 'inbound',
  corridor: 'TH-CN',
  payer: { walletId: 'w-1', userId: 'u-1', deviceId: 'd-1', ip: '171.96.1.2', country: 'TH', location: { lat: 31.23, lon: 121.47 } },
  merchant: { id: 'm-cn-0001', name: 'Noodles', mcc: '5812', country: 'CN', city: 'Shanghai', acquirer: 'huaxia-acquiring', network: 'unionpay' },
  amount: { value: '213.60', currency: 'CNY' },
  amountUsd: '30.00',
  settlement: { value: '1074.00', currency: 'THB', fxRate: '35.8' },
  receivedAt: 1_741_068_000_000,
};

const ordinary = buildFacts(message, stored(1, 3_000), 7.12);
const busy = buildFacts({ ...message, amountUsd: '9500.00' }, { ...stored(7, 900_000), nearThreshold24h: 2, deviceNew: true }, 7.12);
const facts: Facts[] = [ordinary, busy];

function ruleSetOf(size: number): CompiledRuleSet {
  const pack = loadDefaultPack().rules;
  const rules: Array<Rule & { version: number }> = [];
  for (let i = 0; rules.length < size; i++) {
    const base = pack[i % pack.length]!;
    rules.push({ ...base, id: i < pack.length ? base.id : `${base.id}-${i}`, version: 1 });
  }
  return compileRuleSet(`bench-${size}`, rules);
}

function measureDirect(set: CompiledRuleSet): number {
  let fired = 0;
  const start = performance.now();
  for (let i = 0; i < iterations; i++) fired += evaluateDirect(set, facts[i & 1]!, Number.POSITIVE_INFINITY).fired.length;
  const us = ((performance.now() - start) * 1000) / iterations;
  if (fired === 0) throw new Error('no rule fired: the benchmark facts are wrong');
  return us;
}

async function measureNodeRules(set: CompiledRuleSet): Promise<number> {
  const evaluator = createNodeRulesEvaluator(set);
  let fired = 0;
  const start = performance.now();
  for (let i = 0; i < iterations; i++) {
    fired += (await evaluator.evaluate(facts[i & 1]!, performance.now() + 1_000)).fired.length;
  }
  const us = ((performance.now() - start) * 1000) / iterations;
  if (fired === 0) throw new Error('no rule fired: the benchmark facts are wrong');
  return us;
}

console.log(`rule evaluation, median of 5 rounds of ${iterations} facts (half ordinary, half firing several rules), ${os.cpus().length} CPUs, node ${process.version}`);
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const size of [loadDefaultPack().rules.length, 50]) {
  const set = ruleSetOf(size);
  measureDirect(set);
  await measureNodeRules(set); // warm-up
  const directRuns: number[] = [];
  const nodeRulesRuns: number[] = [];
  for (let round = 0; round < 5; round++) {
    directRuns.push(measureDirect(set));
    nodeRulesRuns.push(await measureNodeRules(set));
  }
  const direct = median(directRuns);
  const nodeRules = median(nodeRulesRuns);
  console.log(
    `${String(size).padStart(3)} rules: node-rules ${nodeRules.toFixed(2)} us/fact, direct ${direct.toFixed(2)} us/fact (node-rules / direct = ${(nodeRules / direct).toFixed(1)}x)`,
  );
}
