import { performance } from 'node:perf_hooks';
import { createChangeSets } from '../../rules/change-sets.ts';
import { createRiskEngine, createRuleStore } from '../../rules/index.ts';
import { readCsvRecords } from '../../rules/lists/list-csv.ts';
import { createListStore } from '../../rules/lists/list-store.ts';
import { storedEntry } from '../../rules/lists/subject-lists.ts';
import { LISTS_CHANNEL } from '../../rules/risk-lists.ts';
import { startTestRedis } from '../../rules/test-support/redis.ts';
import { fullCollection } from '../full-collection.ts';
import type { Measurement, Suite } from '../suite.ts';

/** Rows of the import (`BENCH_LIST_ROWS`): the most one import may hold. */
const ROWS = Number(process.env.BENCH_LIST_ROWS ?? 1_000_000);

/**
 * A typed list as large as one import may make it (docs/rules.md, "Typed lists"): the CSV read
 * as it streams, every row checked and staged into Redis; the change set's approval that makes
 * it live; a risk engine reading it into memory; the export read back. Next to the baseline of
 * the same rows written to Redis by pipelined HSETs of the same batch size, nothing checked.
 */
export const listsSuite: Suite = {
  name: 'lists',
  description: `a ${ROWS.toLocaleString('en')}-row block-list import staged, approved, loaded by an engine and exported, vs the same rows written by raw HSETs`,
  async run(settings) {
    const redis = await startTestRedis();
    try {
      const conn = redis.connect({ commandTimeout: 60_000 });
      const rows = (i: number) => `siam-wallet:w-bench-${i}`;
      const csv = async function* () {
        yield 'value,reason,expiresAt\n';
        for (let i = 0; i < ROWS; i += 10_000) {
          let chunk = '';
          for (let j = i; j < Math.min(ROWS, i + 10_000); j++) chunk += `${rows(j)},"reported stolen, case ${j % 997}",\n`;
          yield Buffer.from(chunk);
        }
      };

      // Baseline: the rows, as the store would write them, by raw HSETs of 1,000 fields.
      const stored = storedEntry({ reason: 'reported stolen, case 1', author: 'bench', createdAt: Date.now() });
      const raw0 = performance.now();
      for (let i = 0; i < ROWS; i += 1000) {
        const fields: string[] = [];
        for (let j = i; j < Math.min(ROWS, i + 1000); j++) fields.push(rows(j), stored);
        await conn.hset('bench:raw', ...fields);
      }
      const rawMs = performance.now() - raw0;
      await conn.unlink('bench:raw');
      settings.log(`lists: raw HSET of ${ROWS.toLocaleString('en')} rows in ${(rawMs / 1000).toFixed(1)} s`);

      const rules = createRuleStore(conn);
      await rules.seedDefaults();
      const lists = createListStore(conn, { channel: LISTS_CHANNEL });
      const changeSets = createChangeSets(conn, rules, { lists });
      fullCollection();
      const heap0 = process.memoryUsage().heapUsed;
      const stage0 = performance.now();
      const staged = await lists.stageImport('block:wallet', 'risk.officer', 'replace', readCsvRecords(csv()));
      const stageMs = performance.now() - stage0;
      if (!staged.ok) throw new Error(`import refused: ${staged.error.message}`);
      const stageHeap = process.memoryUsage().heapUsed - heap0;
      settings.log(`lists: staged ${staged.value.counts.after.toLocaleString('en')} entries in ${(stageMs / 1000).toFixed(1)} s`);

      const drafted = await changeSets.createFromImport('risk.officer', 'bench import', staged.value, 'replace');
      if (!drafted.ok) throw new Error(drafted.error.message);
      await changeSets.submit(drafted.value.id, 'risk.officer', {});
      // A node running before the approval: it hears of the list on the lists channel and reads it.
      const engine = await createRiskEngine({ redis: conn, thresholds: { review: 400, decline: 700 }, deadlineMs: 1000, fallback: { approveBelowUsd: 500, otherwise: 'review' }, cnyPerUsd: '7.12' });
      try {
        fullCollection();
        const engineHeap0 = process.memoryUsage().heapUsed;
        const approve0 = performance.now();
        const approved = await changeSets.approve(drafted.value.id, 'risk.second');
        const approveMs = performance.now() - approve0;
        if (!approved.ok) throw new Error(approved.error.message);
        // Joins the read the announcement started (or reads again after it).
        await engine.refreshLists('block:wallet');
        const loadMs = performance.now() - approve0;
        fullCollection();
        const engineHeap = process.memoryUsage().heapUsed - engineHeap0;
        const held = engine.stats().typedListSizes['block:wallet'];

        const export0 = performance.now();
        let exported = 0;
        for await (const batch of lists.entries('block:wallet')) exported += batch.length;
        const exportMs = performance.now() - export0;

        const whole = (name: string, role: Measurement['role'], ms: number, completed: number): Measurement => ({
          name,
          role,
          completed,
          perSecond: completed / (ms / 1000),
          p50Ms: ms,
          p99Ms: ms,
          maxMs: ms,
          failures: 0,
          failureKinds: {},
        });
        return {
          suite: 'lists',
          description: listsSuite.description,
          method: 'each step once, timed whole: per second is rows per second, the ms columns the step\'s total time',
          measurements: [
            whole(`stage the import: ${ROWS.toLocaleString('en')} CSV rows read, checked and written`, 'subject', stageMs, ROWS),
            whole('read the live list back for the export', 'subject', exportMs, exported),
            whole('approval until a running engine holds the whole list', 'subject', loadMs, held),
            whole('raw HSET of the same rows, 1,000 a command (baseline)', 'baseline', rawMs, ROWS),
          ],
          ratios: [],
          warnings: [...(held !== ROWS ? [`the engine holds ${held} entries, not ${ROWS}`] : []), ...(exported !== ROWS ? [`the export read ${exported} entries`] : [])],
          notes: [
            `approval making the list live (one script, pointer swap): ${approveMs.toFixed(1)} ms`,
            `heap growth while staging: ${(stageHeap / 2 ** 20).toFixed(0)} MiB (the import is streamed, never held)`,
            `engine heap for the list: ${(engineHeap / 2 ** 20).toFixed(0)} MiB (${held.toLocaleString('en')} entries)`,
            `Redis memory after: ${((await conn.info('memory')).match(/used_memory_human:(\S+)/)?.[1] ?? '?')}`,
          ],
        };
      } finally {
        await engine.close();
      }
    } finally {
      await redis.stop();
    }
  },
};
