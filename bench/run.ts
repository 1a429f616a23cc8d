import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPOSITORY_ROOT } from './platform-process.ts';
import { formatSuite, machineInfo, writeResults } from './report.ts';
import type { BenchSettings, Suite, SuiteResult } from './suite.ts';
import { alertsSuite } from './suites/alerts.ts';
import { analyticsSuite } from './suites/analytics.ts';
import { casesSuite } from './suites/cases.ts';
import { ingestSuite } from './suites/ingest.ts';
import { listsSuite } from './suites/lists.ts';
import { overloadSuite } from './suites/overload.ts';
import { paymentsSuite } from './suites/payments.ts';
import { riskSuite } from './suites/risk.ts';

/**
 * npm run bench [-- SUITE...] [--concurrency C] [--seconds S] [--warmup W]
 * Runs the named suites (all by default), prints their tables and writes
 * bench/results/latest.json.
 */
const SUITES: readonly Suite[] = [paymentsSuite, overloadSuite, riskSuite, listsSuite, ingestSuite, alertsSuite, analyticsSuite, casesSuite];
const RESULTS_FILE = path.join(REPOSITORY_ROOT, 'bench/results/latest.json');

function parseCommandLine(argv: string[]): { suites: Suite[]; settings: Omit<BenchSettings, 'log'> } {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      concurrency: { type: 'string', default: '32' },
      seconds: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
    },
  });
  const suites = positionals.length === 0 ? [...SUITES] : positionals.map(suiteNamed);
  const settings = {
    concurrency: positiveNumber('--concurrency', values.concurrency),
    measureS: positiveNumber('--seconds', values.seconds),
    warmupS: positiveNumber('--warmup', values.warmup, true),
  };
  if (!Number.isInteger(settings.concurrency)) throw new Error('--concurrency must be a whole number');
  return { suites, settings };
}

function suiteNamed(name: string): Suite {
  const suite = SUITES.find((s) => s.name === name);
  if (!suite) throw new Error(`no benchmark suite "${name}"; there are: ${SUITES.map((s) => s.name).join(', ')}`);
  return suite;
}

function positiveNumber(flag: string, text: string, zeroAllowed = false): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || (!zeroAllowed && value === 0)) {
    throw new Error(`${flag}: "${text}" is not a ${zeroAllowed ? 'non-negative' : 'positive'} number`);
  }
  return value;
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(process.argv.slice(2));
  } catch (e) {
    console.error(`bench: ${(e as Error).message}`);
    return 2;
  }
  const { suites, settings } = parsed;
  const machine = machineInfo();
  console.log(`node ${machine.node}, ${machine.cpuCount} CPUs (${machine.cpuModel}), ${machine.date}`);
  const results: SuiteResult[] = [];
  for (const suite of suites) {
    const result = await suite.run({ ...settings, log: (line) => console.log(`  ${line}`) });
    results.push(result);
    console.log(`\n${formatSuite(result, settings)}\n`);
  }
  const valid = results.every((r) => r.warnings.length === 0);
  writeResults(RESULTS_FILE, { machine, settings, valid, suites: results });
  console.log(`figures written to ${path.relative(process.cwd(), RESULTS_FILE)}${valid ? '' : ' (marked invalid: see the warnings)'}`);
  return 0;
}

process.exitCode = await main();
