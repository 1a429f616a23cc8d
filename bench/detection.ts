import { setMaxListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BootstrapError } from './traffic/bootstrap.ts';
import { CredentialsError } from './traffic/participants.ts';
import { machineInfo, writeResults } from './report.ts';
import { readJsonl, type ResponseRecord, type TruthRecord } from './detection/journal.ts';
import { parseDetectionOptions, UsageError, type DetectionOptions } from './detection/options.ts';
import { formatScore } from './detection/report.ts';
import { readRulePack } from './detection/rule-pack.ts';
import { runDetection, type RunSummary } from './detection/run.ts';
import { scoreDetection } from './detection/score.ts';

/**
 * npm run bench:detection [-- options]: labelled fraud scenarios mixed into ordinary
 * traffic through the whole platform, then precision and recall per typology and the
 * false-positive rate on legitimate traffic. --help lists the options; --score-only
 * re-scores the files of the last run.
 */

async function main(): Promise<number> {
  let options: DetectionOptions;
  try {
    options = parseDetectionOptions(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  const pack = readRulePack(options.packPath);
  for (const warning of pack.warnings) console.log(`pack: ${warning}`);
  const files = {
    truth: path.join(options.resultsDir, 'detection-truth.jsonl'),
    responses: path.join(options.resultsDir, 'detection-responses.jsonl'),
  };
  const machine = machineInfo();

  let run: RunSummary | undefined;
  if (!options.scoreOnly) {
    console.log(`node ${machine.node}, ${machine.cpuCount} CPUs (${machine.cpuModel}), ${machine.date}`);
    const stop = new AbortController();
    // Every scenario instance waits on this signal: hundreds of listeners are expected.
    setMaxListeners(0, stop.signal);
    process.once('SIGINT', () => {
      console.error('\nSIGINT: stopping the run and scoring what was answered (again to quit at once)');
      stop.abort();
      process.once('SIGINT', () => process.exit(130));
    });
    try {
      run = await runDetection(options, pack, files, stop.signal, (line) => console.log(`  ${line}`));
    } catch (e) {
      if (e instanceof BootstrapError || e instanceof CredentialsError) {
        console.error(`bench:detection: ${e.message}`);
        return 1;
      }
      throw e;
    }
  }

  const truth = await readJsonl<TruthRecord>(files.truth);
  const responses = await readJsonl<ResponseRecord>(files.responses);
  const score = scoreDetection(truth, responses, pack.typologyOfRule);
  console.log('');
  if (run) {
    console.log(
      `warm-up ${run.mix.warmupS.toFixed(0)} s (${run.mix.warmupEstablished ? 'every merchant established' : 'merchants NOT all established'}), ` +
        `measured ${run.mix.measureS.toFixed(0)} s: ${run.ordinary.sent} ordinary payments (${run.ordinary.skipped} skipped), ` +
        `${run.ordinary.refunds} ordinary refunds, ${run.scenarios.requests} scenario requests in ${run.scenarios.finished} instances`,
    );
    for (const [reason, n] of Object.entries(run.scenarios.unavailable)) console.log(`  not played (${n}x): ${reason}`);
  }
  console.log(formatScore(score));
  const out = path.join(options.resultsDir, 'detection.json');
  // Re-scoring keeps what the run itself recorded (its options, machine and summary).
  const earlier = options.scoreOnly ? readEarlierRun(out) : undefined;
  writeResults(out, {
    ...earlier,
    ...(options.scoreOnly ? { rescoredAt: new Date().toISOString() } : { machine, options, run }),
    pack: { file: pack.file, limits: pack.limits, warnings: pack.warnings },
    files,
    score,
  });
  console.log(`\ntruth: ${path.relative(process.cwd(), files.truth)}, answers: ${path.relative(process.cwd(), files.responses)}, figures: ${path.relative(process.cwd(), out)}`);
  return 0;
}

function readEarlierRun(file: string): Record<string, unknown> | undefined {
  try {
    const earlier = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    return { machine: earlier.machine, options: earlier.options, run: earlier.run };
  } catch {
    return undefined;
  }
}

process.exitCode = await main().catch((e: unknown) => {
  if (e instanceof UsageError) {
    console.error(e.message);
    return 2;
  }
  throw e;
});
