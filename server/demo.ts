import { spawn } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { writeBenchConfig, type BenchConfig } from '../bench/detection/bench-config.ts';
import { readRulePack, type PackView } from '../bench/detection/rule-pack.ts';
import { planDemo, type DemoPlan } from '../bench/demo/demo-plan.ts';
import { DEFAULT_DEMO_SEED, DEFAULT_HISTORY_DAYS, DEFAULT_PAYERS_PER_WALLET } from '../bench/demo/demo-world.ts';
import { ConfigError, type Config } from './config/load.ts';
import type { Platform } from './platform.ts';

/**
 * `npm run demo [-- options]`: the platform as a real day looks. Before it starts, 30 days of
 * history of a payer population per corridor are seeded into an empty ClickHouse (a child
 * process: bench/demo/seed-history-process.ts), so the warm-up rebuilds the velocity and
 * profile state from them as from live payments; then the same people pay live, with the
 * labelled fraud scenarios of bench:detection mixed in, and a summary of the alert queue
 * is printed every --summary-after seconds.
 *
 *   --no-history          no seeding (an empty platform: every merchant new, as before)
 *   --summary-after S     seconds of live traffic per summary (default 300)
 *   --tps N               ordinary payments per second (default 25)
 *   --fraud-rate F        share of requests from fraud scenarios (default 0.01)
 *   --payers N            payers per wallet participant (default 8000)
 */

export interface DemoOptions {
  history: boolean;
  summaryAfterS: number;
  tps: number;
  fraudRate: number;
  payersPerWallet: number;
  seed: number;
  /** Scenario cycles planned (each --summary-after long); ordinary traffic only after them. */
  cycles: number;
}

const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));
const SEEDER = path.join(REPOSITORY_ROOT, 'bench/demo/seed-history-process.ts');
const CREDENTIALS = path.join(REPOSITORY_ROOT, 'config/dev-credentials.json');
const WARM_UP_WAIT_MS = 5 * 60_000;

function flag(argv: readonly string[], name: string): string | undefined {
  const at = argv.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (at < 0) return undefined;
  const arg = argv[at]!;
  return arg === name ? argv[at + 1] : arg.slice(name.length + 1);
}

function number(argv: readonly string[], name: string, fallback: number, valid: (n: number) => boolean): number {
  const raw = flag(argv, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!valid(n)) throw new ConfigError(`${name}: "${raw}" is out of range`);
  return n;
}

export function parseDemoOptions(argv: readonly string[]): DemoOptions {
  const summaryAfterS = number(argv, '--summary-after', 300, (n) => n >= 10 && n <= 86_400);
  return {
    history: !argv.includes('--no-history'),
    summaryAfterS,
    tps: number(argv, '--tps', 25, (n) => n > 0 && n <= 5000),
    fraudRate: number(argv, '--fraud-rate', 0.01, (n) => n >= 0 && n < 0.5),
    payersPerWallet: number(argv, '--payers', DEFAULT_PAYERS_PER_WALLET, (n) => Number.isInteger(n) && n >= 10 && n <= 1_000_000),
    seed: number(argv, '--seed', DEFAULT_DEMO_SEED, (n) => Number.isInteger(n) && n >= 0),
    // About an hour of scenarios, at least two cycles.
    cycles: Math.max(2, Math.ceil(3600 / summaryAfterS)),
  };
}

export interface PreparedDemo {
  /** The config the platform runs: the base one plus the scenarios' merchants (a temporary file). */
  configPath: string;
  /** Seeds the history into an empty ClickHouse, before the platform opens it. */
  seedHistory(config: Config): Promise<void>;
  /** Waits for the warm-up, starts the live traffic; returns its stop (which also removes the temporary config). */
  start(address: string, platform: Platform, config: Config): Promise<() => Promise<void>>;
}

/** Plans the scenarios and writes the demo config, from the config the platform would have run. */
export function prepareDemo(base: Config, argv: readonly string[]): PreparedDemo {
  const options = parseDemoOptions(argv);
  const pack: PackView = readRulePack();
  const plan: DemoPlan = planDemo({ cycleS: options.summaryAfterS, cycles: options.cycles, tps: options.tps, fraudRate: options.fraudRate, seed: options.seed, limits: pack.limits });
  const bench: BenchConfig = writeBenchConfig(base.configPath, { ownMerchantIds: plan.ownMerchantIds, highRiskMccs: pack.highRiskMccs });
  return {
    configPath: bench.file,
    seedHistory: (config) => (options.history ? seedInChild(config, options) : Promise.resolve()),
    async start(address, platform, config) {
      await waitForWarmUp(platform);
      const { startLiveDemo } = await import('../bench/demo/live-demo.ts');
      const live = await startLiveDemo({
        url: address,
        credentialsPath: CREDENTIALS,
        configPath: bench.file,
        config: bench.config,
        bench,
        plan,
        pack,
        tps: options.tps,
        alertScore: config.file.risk.alertScore,
        seed: options.seed,
        payersPerWallet: options.payersPerWallet,
        log: (line) => process.stdout.write(`${line}\n`),
      });
      return async () => {
        await live.stop();
        bench.remove();
      };
    },
  };
}

/** The seeder in a child process: embedded ClickHouse allows one data directory per process, and this one opens it next. */
async function seedInChild(config: Config, options: DemoOptions): Promise<void> {
  const args = [
    '--import', 'tsx', SEEDER,
    '--data-dir', config.dataDir,
    '--database', config.clickhouseDatabase,
    '--config', config.configPath,
    '--credentials', CREDENTIALS,
    '--seed', String(options.seed),
    '--payers', String(options.payersPerWallet),
    '--days', String(DEFAULT_HISTORY_DAYS),
  ];
  process.stdout.write(`  demo history:  ${DEFAULT_HISTORY_DAYS} days of ${(5 * options.payersPerWallet).toLocaleString('en')} payers, seeded into an empty ClickHouse (--no-history skips it)\n`);
  // CLICKHOUSE_URL, when set, reaches the child in its environment: never on a command line.
  const child = spawn(process.execPath, args, { cwd: REPOSITORY_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const result = (() => {
    try {
      return JSON.parse(out.trim().split('\n').pop() ?? '') as { seeded: boolean; rows?: number; ms?: number; existing?: number };
    } catch {
      return undefined;
    }
  })();
  if (code !== 0 || !result) {
    process.stderr.write(`demo history: the seeder failed (exit ${code}); the demo goes on without history\n`);
  } else if (result.seeded) {
    process.stdout.write(`  demo history:  ${result.rows?.toLocaleString('en')} payments in ${((result.ms ?? 0) / 1000).toFixed(1)} s\n`);
  } else {
    process.stdout.write(`  demo history:  not seeded, ClickHouse already holds ${result.existing?.toLocaleString('en')} transactions\n`);
  }
}

/** Live traffic starts once the risk state is rebuilt: before, payments would be decided by the failure policy. */
async function waitForWarmUp(platform: Platform): Promise<void> {
  const started = performance.now();
  let said = false;
  for (;;) {
    const state = platform.risk.stats().state;
    if (!state.warming) {
      const w = state.warmUp;
      if (w) process.stdout.write(`  risk state:    rebuilt from ${w.applied.toLocaleString('en')} payments in ${(w.ms / 1000).toFixed(1)} s${w.error ? ` (stopped: ${w.error})` : ''}\n`);
      return;
    }
    if (!said) {
      process.stdout.write('  risk state:    being rebuilt from history; live traffic starts when it is\n');
      said = true;
    }
    if (performance.now() - started > WARM_UP_WAIT_MS) {
      process.stderr.write('risk state: still rebuilding after 5 minutes; starting live traffic anyway\n');
      return;
    }
    await sleep(250);
  }
}
