import { randomBytes } from 'node:crypto';
import { createFxTable } from '../../switch/fx.ts';
import { startPlatform } from '../platform-process.ts';
import { bootstrapMerchants } from '../traffic/bootstrap.ts';
import { loadParticipants, type SimulatedParticipant } from '../traffic/participants.ts';
import { createPaymentGenerator } from '../traffic/payment-generator.ts';
import { createRandom } from '../traffic/random.ts';
import { createIdAllocator } from '../traffic/scenarios/identities.ts';
import { planSchedule, type Schedule, type ScheduledInstance } from '../traffic/scenarios/schedule.ts';
import { createSignedClient } from '../traffic/signed-client.ts';
import { writeBenchConfig } from './bench-config.ts';
import { withDetectionScenarios } from './detection-schedule.ts';
import { createJsonlWriter, type Phase, type ResponseRecord, type TruthRecord } from './journal.ts';
import { runMix, type MixSummary } from './mix.ts';
import { createNormalTraffic } from './normal-traffic.ts';
import type { DetectionOptions } from './options.ts';
import type { PackView } from './rule-pack.ts';
import { createScenarioPlayer, type PlayerCounts } from './scenario-player.ts';
import { isLegitimateVariant } from './short-history-spike.ts';

/**
 * One live run: plan the scenarios, write the bench config, start the platform with it,
 * learn the merchants and their QR codes as acquirers would, run the mix, stop the
 * platform. Everything sent and answered goes to the two journal files.
 */

export interface RunFiles {
  truth: string;
  responses: string;
}

export interface RunSummary {
  runId: string;
  schedule: Schedule['plan'];
  instancesPlanned: number;
  payersPerWallet: number;
  mix: MixSummary;
  ordinary: { sent: number; skipped: number; failed: number; refunds: number };
  scenarios: PlayerCounts;
  platformExit: string;
}

function countByScenario(instances: readonly ScheduledInstance[]): string {
  const counts = new Map<string, number>();
  for (const { variant } of instances) {
    const name = `${isLegitimateVariant(variant) ? 'legitimate' : variant.typology}/${variant.name}`;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].map(([name, n]) => `${name} ${n}`).join(', ');
}

/** Ordinary payments per payer per minute the default population is sized for: people do not pay every minute. */
const PAYMENTS_PER_PAYER_MINUTE = 0.25;

export async function runDetection(
  options: DetectionOptions,
  pack: PackView,
  files: RunFiles,
  signal: AbortSignal,
  log: (line: string) => void,
): Promise<RunSummary> {
  const runId = randomBytes(3).toString('hex');
  const { participants, homeCountry } = loadParticipants(options.credentialsPath, options.configPath);
  const wallets = participants.filter((p) => p.kind !== 'acquirer');
  const catalog = planSchedule({
    durationS: options.durationS,
    normalTps: options.tps,
    fraudRate: options.fraudRate,
    weights: options.weights,
    seed: options.seed,
    limits: pack.limits,
  });
  const schedule = withDetectionScenarios(catalog, { durationS: options.durationS, seed: options.seed, smallSpenders: options.smallSpenders });
  const fromCatalog = new Set(catalog.instances);
  const added = countByScenario(schedule.instances.filter((i) => !fromCatalog.has(i)));
  log(`plan: ${schedule.plan.map((p) => `${p.typology} ${p.instances}`).join(', ')} (instances; ~${schedule.plan.reduce((s, p) => s + p.requestBudget, 0)} scenario requests)`);
  if (added) log(`plus ${added} (instances)`);

  const benchConfig = writeBenchConfig(options.configPath, {
    ownMerchantIds: schedule.ownMerchantIds,
    highRiskMccs: pack.highRiskMccs,
    ...(options.riskDeadlineMs !== undefined ? { riskDeadlineMs: options.riskDeadlineMs } : {}),
  });
  if (options.riskDeadlineMs !== undefined) log(`risk deadline set to ${options.riskDeadlineMs} ms for this run (--risk-deadline-ms): not the configured one`);
  const truth = createJsonlWriter<TruthRecord>(files.truth);
  const responses = createJsonlWriter<ResponseRecord>(files.responses);
  log(`starting the platform (bench config: ${benchConfig.config.merchants.length} merchants, ${benchConfig.highRisk.length} of them high-risk)`);
  const platform = await startPlatform({ env: { CONFIG: benchConfig.file }, echo: options.echo }).catch(async (e: unknown) => {
    benchConfig.remove();
    await Promise.all([truth.close(), responses.close()]);
    throw e;
  });
  const client = createSignedClient(platform.url, { connections: options.concurrency + 32 });
  let platformExit = 'running';
  let summary: Omit<RunSummary, 'platformExit'>;
  try {
    const acquirers = participants.filter((p) => p.kind === 'acquirer');
    const merchants = await bootstrapMerchants(client, acquirers);
    const qrOf = new Map(merchants.map((m) => [m.id, m.qrPayload]));
    const byId = new Map(participants.map((p) => [p.id, p]));
    const configMerchants = new Map(benchConfig.config.merchants.map((m) => [m.id, m]));
    const acquirerOf = (merchantId: string): SimulatedParticipant | undefined => byId.get(configMerchants.get(merchantId)?.acquirer ?? '');
    // Ordinary traffic pays the established merchants only: the bench merchants are the scenarios'.
    const established = new Set(benchConfig.established.map((m) => m.id));
    const ordinaryMerchants = merchants.filter((m) => established.has(m.id));
    const payersPerWallet =
      options.payersPerWallet ??
      Math.ceil((Math.max(options.tps, options.warmupTps) * 60) / PAYMENTS_PER_PAYER_MINUTE / Math.max(1, wallets.length));
    const generator = createPaymentGenerator({
      participants,
      merchants: ordinaryMerchants,
      homeCountry,
      seed: options.seed,
      payersPerWallet,
      txnPrefix: `ord-${runId}`,
    });

    let phase: Phase = 'warmup';
    const normal = createNormalTraffic({
      client,
      generator,
      acquirerOf,
      refundRate: options.refundRate,
      random: createRandom(options.seed ^ 0xa11ce),
      concurrency: options.concurrency,
      truth,
      responses,
      phase: () => phase,
      txnPrefix: `ord-${runId}`,
    });
    const fx = createFxTable(benchConfig.config.fx.rates);
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
        merchants: benchConfig.established,
        highRiskMerchants: benchConfig.highRisk,
        ownMerchants: instance.ownMerchantIds.flatMap((id) => benchConfig.own.get(id) ?? []),
        fx,
        limits: pack.limits,
        sanctionedCountries: pack.sanctionedCountries,
        random: createRandom(instance.seed),
      }),
      truth,
      responses,
      signal,
    });
    log(`${ordinaryMerchants.length} merchants for ordinary traffic, ${payersPerWallet} payers per wallet; warming up`);
    const mix = await runMix({
      normal,
      player,
      schedule,
      tps: options.tps,
      warmup: {
        tps: options.warmupTps,
        minS: options.warmupMinS,
        maxS: options.warmupMaxS,
        establishedSales: pack.limits.establishedMerchantSales,
        merchantIds: ordinaryMerchants.map((m) => m.id),
      },
      durationS: options.durationS,
      onMeasure: () => {
        phase = 'measure';
        log(`measuring: ${options.tps}/s ordinary, ${schedule.instances.length} scenario instances over ${options.durationS} s`);
      },
      signal,
      log,
    });
    summary = {
      runId,
      schedule: schedule.plan,
      instancesPlanned: schedule.instances.length,
      payersPerWallet,
      mix,
      ordinary: { sent: normal.counts.sent, skipped: normal.counts.skipped, failed: normal.counts.failed, refunds: normal.counts.refunds },
      scenarios: player.counts,
    };
  } finally {
    await client.close();
    const exit = await platform.stop(20_000);
    platformExit = exit.timedOut ? `killed after ${Math.round(exit.elapsedMs)} ms` : `exit ${exit.code ?? exit.signal}`;
    if (exit.code !== 0) log(`platform: ${platformExit}; the end of its output:\n${platform.outputTail().slice(-2000)}`);
    benchConfig.remove();
    await Promise.all([truth.close(), responses.close()]);
  }
  return { ...summary, platformExit };
}
