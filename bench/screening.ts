import { readFileSync } from 'node:fs';
import { evaluate, readProbes } from '../screening/evaluation/evaluate.ts';
import { createMatchIndex } from '../screening/match-index.ts';
import { readListText } from '../screening/read-list.ts';
import { screeningProbes, syntheticList } from './screening-load.ts';

/**
 * `npm run bench:screening [-- NAMES]`: name screening's quality on the labelled evaluation set
 * (recall per variant kind, false positives on look-alikes) against the sample list, then its
 * speed on a synthetic list of NAMES names (default 1,000,000): reading, index build, memory,
 * and the time to screen one name over a few thousand probes, hits and misses mixed.
 */
const names = Number(process.argv[2] ?? 1_000_000);
if (!Number.isInteger(names) || names < 1000) throw new Error('NAMES must be an integer >= 1000');
const percent = (x: number) => `${(100 * x).toFixed(1)} %`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const gc = () => (globalThis as { gc?: () => void }).gc?.();

console.log(`command: npm run bench:screening -- ${names}   (node ${process.version})`);

// Quality.
const sampleText = readFileSync(new URL('../screening/lists/sample.ftm.ndjson', import.meta.url), 'utf8');
const sample = readListText(sampleText);
if (!sample.ok) throw new Error(sample.error.message);
const evaluation = evaluate(createMatchIndex(sample.value.entities), readProbes());
console.log(`\nevaluation set: ${evaluation.trueProbes} true variants, ${evaluation.lookAlikeProbes} look-alikes, threshold 0.85`);
console.log('kind                           probes   recall / false positives');
for (const k of evaluation.kinds) {
  const label = k.kind.startsWith('lookalike') ? `fp ${percent(k.rate)}` : `recall ${percent(k.rate)}`;
  console.log(`${k.kind.padEnd(30)} ${String(k.probes).padStart(6)}   ${label}`);
}
console.log(`recall on true variants: ${percent(evaluation.recall)} (target >= 95 %)`);
console.log(`false-positive rate on look-alikes: ${percent(evaluation.falsePositiveRate)} (target <= 0.5 %)`);

// Speed.
let started = performance.now();
const synthetic = await syntheticList(names);
const readMs = performance.now() - started;
gc();
const heapBefore = process.memoryUsage().heapUsed;
started = performance.now();
const index = createMatchIndex(synthetic.entities);
const buildMs = performance.now() - started;
gc();
const heapAfter = process.memoryUsage().heapUsed;
console.log(`\nsynthetic list: ${synthetic.names} names of ${synthetic.entities.length} entities, ${index.size.tokens} distinct tokens`);
console.log(`generate + read: ${(readMs / 1000).toFixed(1)} s`);
console.log(`index build: ${(buildMs / 1000).toFixed(1)} s (target < 60 s)`);
console.log(`index memory: ${mb(index.memoryBytes)} own arrays, ${mb(heapAfter - heapBefore)} heap growth; process RSS ${mb(process.memoryUsage().rss)}`);

const probes = screeningProbes(synthetic.entities);
for (const probe of probes.slice(0, 500)) index.screen(probe);
const times: number[] = [];
let compared = 0;
let found = 0;
for (const probe of probes) {
  const t = performance.now();
  const result = index.screen(probe);
  times.push(performance.now() - t);
  compared += result.compared;
  if (result.candidates.length > 0) found += 1;
}
times.sort((a, b) => a - b);
const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(3);
console.log(`\nscreening one name: ${probes.length} probes (half list names, a third of those with a typo; half misses), ${found} with a candidate`);
console.log(`p50 ${at(0.5)} ms, p90 ${at(0.9)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms (target p99 < 1 ms)`);
console.log(`list names scored per probe: ${(compared / probes.length).toFixed(0)} on average, of ${index.size.names}`);
