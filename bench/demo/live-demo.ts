import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConfigFile } from '../../server/config/schema.ts';
import { createFxTable } from '../../switch/fx.ts';
import type { BenchConfig } from '../detection/bench-config.ts';
import { createNormalTraffic } from '../detection/normal-traffic.ts';
import type { PackView } from '../detection/rule-pack.ts';
import { createScenarioPlayer } from '../detection/scenario-player.ts';
import { bootstrapMerchants } from '../traffic/bootstrap.ts';
import { loadParticipants, type SimulatedParticipant } from '../traffic/participants.ts';
import { createRandom } from '../traffic/random.ts';
import { createIdAllocator } from '../traffic/scenarios/identities.ts';
import { createSignedClient } from '../traffic/signed-client.ts';
import { createDemoTally, formatDemoSummary, type DemoSummary } from './demo-summary.ts';
import type { DemoPlan } from './demo-plan.ts';
import { buildDemoWorld } from './demo-world.ts';
import { createLivePayments } from './live-payments.ts';

/**
 * The demo's live traffic: the seeded population paying at `tps` (bench:detection's
 * ordinary traffic, fed by live-payments.ts), the planned fraud scenarios played through it
 * by bench:detection's scenario player, a progress line every PROGRESS_S and the summary
 * every plan.cycleS (the first one is the 5-minute figure the README records).
 */

export interface LiveDemoOptions {
  url: string;
  credentialsPath: string;
  /** The demo config (base config plus the scenarios' merchants) the platform runs. */
  configPath: string;
  config: ConfigFile;
  bench: BenchConfig;
  plan: DemoPlan;
  pack: PackView;
  tps: number;
  /** The score from which an approved payment still raises an alert (config risk.alertScore). */
  alertScore: number;
  seed: number;
  payersPerWallet: number;
  log: (line: string) => void;
  /** Called with every summary (the demo's own printing aside). */
  onSummary?: (summary: DemoSummary) => void;
}

const PROGRESS_S = 30;
const CONCURRENCY = 128;
const REFUND_RATE = 0.005;

export async function startLiveDemo(options: LiveDemoOptions): Promise<{ stop(): Promise<void>; summary(): DemoSummary }> {
  const { log, config, bench, plan, pack } = options;
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  const { participants, homeCountry } = loadParticipants(options.credentialsPath, options.configPath);
  const wallets = participants.filter((p) => p.kind !== 'acquirer');
  const client = createSignedClient(options.url, { connections: CONCURRENCY + 32 });
  const merchants = await bootstrapMerchants(client, participants.filter((p) => p.kind === 'acquirer'));
  const world = buildDemoWorld({ config, configPath: options.configPath, credentialsPath: options.credentialsPath, seed: options.seed, payersPerWallet: options.payersPerWallet });
  const runId = randomBytes(3).toString('hex');
  const generator = createLivePayments({ population: world.population, merchants, participants, seed: options.seed, txnPrefix: `demo-${runId}` });
  const startedAt = Date.now();
  const tally = createDemoTally({ alertScore: options.alertScore, typologyOfRule: pack.typologyOfRule, startedAt });

  const byId = new Map(participants.map((p) => [p.id, p]));
  const acquirerOf = (merchantId: string): SimulatedParticipant | undefined => byId.get(config.merchants.find((m) => m.id === merchantId)?.acquirer ?? '');
  const normal = createNormalTraffic({
    client,
    generator,
    acquirerOf,
    refundRate: REFUND_RATE,
    random: createRandom(options.seed ^ 0xa11ce),
    concurrency: CONCURRENCY,
    truth: tally.truth,
    responses: tally.responses,
    phase: () => 'measure',
    txnPrefix: `demo-${runId}`,
  });
  const qrOf = new Map(merchants.map((m) => [m.id, m.qrPayload]));
  const fx = createFxTable(config.fx.rates);
  const ids = createIdAllocator(runId);
  const player = createScenarioPlayer({
    client,
    signerOf: (id) => byId.get(id),
    qrOf: (id) => qrOf.get(id),
    contextFor: (instance, startsAtMs) => ({
      ids: ids.forInstance(instance.id),
      startsAtMs,
      homeCountry,
      wallets,
      merchants: bench.established,
      highRiskMerchants: bench.highRisk,
      ownMerchants: instance.ownMerchantIds.flatMap((id) => bench.own.get(id) ?? []),
      fx,
      limits: pack.limits,
      sanctionedCountries: pack.sanctionedCountries,
      random: createRandom(instance.seed),
    }),
    truth: tally.truth,
    responses: tally.responses,
    signal: stop.signal,
  });
  log(
    `  demo traffic:  ${options.tps} payments/s from ${world.population.payers.length.toLocaleString('en')} payers of the seeded population, ` +
      `${plan.instances.length} fraud scenario instances over ${plan.cycles} cycles of ${plan.cycleS} s; summary every ${plan.cycleS} s`,
  );
  const playing = player.playAll(plan.instances, startedAt).catch((e: unknown) => log(`demo scenarios stopped: ${(e as Error).message}`));

  const sending = (async () => {
    const started = performance.now();
    let last = started;
    let due = 0;
    let nextProgress = PROGRESS_S;
    let nextSummary = plan.cycleS;
    while (!stop.signal.aborted) {
      const t = performance.now();
      // Open loop, as the simulator: credit accrues with time, at most a second's worth.
      due = Math.min(due + (options.tps * (t - last)) / 1000, Math.max(1, options.tps));
      last = t;
      for (; due >= 1; due--) normal.send(0);
      const elapsedS = (t - started) / 1000;
      if (elapsedS >= nextProgress) {
        nextProgress += PROGRESS_S;
        const s = tally.summary();
        log(`  [demo ${elapsedS.toFixed(0).padStart(5)} s] ${s.payments} payments, ${s.alerted} alerted (${(100 * s.alertRate).toFixed(2)} %), typologies ${12 - s.typologiesMissing.length}/12, skipped ${normal.counts.skipped}`);
      }
      if (elapsedS >= nextSummary) {
        nextSummary += plan.cycleS;
        const s = tally.summary();
        log(formatDemoSummary(s));
        options.onSummary?.(s);
      }
      await sleep(5);
    }
  })().catch((e: unknown) => log(`demo traffic stopped: ${(e as Error).message}`));

  return {
    summary: () => tally.summary(),
    async stop() {
      stop.abort();
      normal.closeRefunds();
      await sending;
      await Promise.race([playing, sleep(2000)]);
      await normal.drain(5000);
      await client.close();
    },
  };
}
