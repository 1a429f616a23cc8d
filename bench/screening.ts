import { readFileSync } from 'node:fs';
import { evaluate, readProbes } from '../screening/evaluation/evaluate.ts';
import { createMatchIndex } from '../screening/match-index.ts';
import { readList, readListText } from '../screening/read-list.ts';
import { syntheticNdjson } from '../screening/synthetic-list.ts';

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
async function* chunks() {
  let buffer = '';
  for (const line of syntheticNdjson(names)) {
    buffer += line;
    if (buffer.length > 1 << 16) {
      yield buffer;
      buffer = '';
    }
  }
  if (buffer !== '') yield buffer;
}
let started = performance.now();
const list = await readList(chunks());
if (!list.ok) throw new Error(list.error.message);
const readMs = performance.now() - started;
gc();
const heapBefore = process.memoryUsage().heapUsed;
started = performance.now();
const index = createMatchIndex(list.value.entities);
const buildMs = performance.now() - started;
gc();
const heapAfter = process.memoryUsage().heapUsed;
console.log(`\nsynthetic list: ${list.value.names} names of ${list.value.entities.length} entities, ${index.size.tokens} distinct tokens`);
console.log(`generate + read: ${(readMs / 1000).toFixed(1)} s`);
console.log(`index build: ${(buildMs / 1000).toFixed(1)} s (target < 60 s)`);
console.log(`index memory: ${mb(index.memoryBytes)} own arrays, ${mb(heapAfter - heapBefore)} heap growth; process RSS ${mb(process.memoryUsage().rss)}`);

// Hits: list names, some with a typo; misses: the same shapes with made-up surnames.
const step = Math.max(1, Math.floor(list.value.entities.length / 2000));
const hits = list.value.entities.filter((_, i) => i % step === 0).map((e) => e.names[e.names.length - 1]!);
const misses = hits.map((name, i) => `${name.split(' ')[0]} Qx${(i * 7919).toString(36)}vor`);
const probes = hits.flatMap((hit, i) => [i % 3 === 0 ? hit.replace(/[aeiou]/, 'y') : hit, misses[i]!]);
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
