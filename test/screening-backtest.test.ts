import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listVersionEntities, listVersionsBefore, recordListVersion } from '../analytics/backtest/list-versions.ts';
import { runBacktest, type BacktestDeps } from '../analytics/backtest/run-backtest.ts';
import { createScreeningTimeline } from '../analytics/backtest/screening-timeline.ts';
import { alertDispositions, createTransactionSource } from '../analytics/backtest/transaction-source.ts';
import { migrate } from '../analytics/schema/migrate.ts';
import { loadDefaultPack } from '../rules/index.ts';
import { LIST_NAMES } from '../rules/facts/keys.ts';
import { testMessage, T0 } from '../rules/test-support/messages.ts';
import { readListText } from '../screening/read-list.ts';
import { openClickHouse, type ClickHouse } from '../server/clickhouse.ts';
import { repoRoot } from './support/platform.ts';
import { decidedRows } from './support/decided-rows.ts';

/**
 * A backtest screens each payment with the list versions that were live at its time, read
 * from ClickHouse: a payer who is on version 2 only is declined after version 2 went live and
 * not before, although every payment is replayed after both were recorded.
 */
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const SAMPLE = readFileSync(path.join(repoRoot, 'screening', 'lists', 'sample.ftm.ndjson'), 'utf8');
const NEW_PARTY = { id: 'cpg-test-zorbanek', schema: 'Person', properties: { name: ['Zorbanek Quillfeather'], alias: ['Зорбанек Квиллфезер'] }, topics: ['sanction'] };
const V2_LIVE_AT = T0 + 30 * MINUTE;

let dir: string;
let ch: ClickHouse;
const pack = loadDefaultPack();
const base = { version: 'rs-1', rules: pack.rules.map((r) => ({ ...r, version: 1 })) };
const { rows, decided: seed } = decidedRows();

// Each payer pays once, so no velocity rule fires: only screening can change a decision.
const beforeV2 = seed(testMessage({ walletId: 'w-before', payerName: 'Zorbanek Quillfeather', usd: 20, at: T0 + 10 * MINUTE }));
const afterV2 = seed(testMessage({ walletId: 'w-after', payerName: 'Quillfeather Zorbanek', usd: 20, at: T0 + 40 * MINUTE }));
const afterV2Cyrillic = seed(testMessage({ walletId: 'w-cyrillic', payerName: 'Зорбанек Квиллфезер', usd: 20, at: T0 + 50 * MINUTE }));
const onBoth = seed(testMessage({ walletId: 'w-kim', payerName: '김정은', usd: 20, at: T0 + 5 * MINUTE }));
seed(testMessage({ walletId: 'w-plain', payerName: 'Somchai Jaidee', usd: 20, at: T0 + 45 * MINUTE }));

async function recordVersion(version: number, text: string, uploadedAt: number) {
  const list = readListText(text);
  if (!list.ok) throw new Error(list.error.message);
  const { entities, names } = list.value;
  await recordListVersion(ch.client, 'cpg', { name: 'sample', version, uploadedAt, uploadedBy: 'compliance', entities: entities.length, names, sha256: `sha-${version}` }, entities);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cpg-screening-backtest-'));
  ch = await openClickHouse({ dataDir: dir });
  await migrate(ch.client, 'cpg');
  await ch.client.insert({ table: 'cpg.transactions', values: rows, format: 'JSONEachRow', clickhouse_settings: { async_insert: 0, insert_deduplication_token: 'screening-backtest-seed' } });
  await recordVersion(1, SAMPLE, T0 - DAY);
  await recordVersion(2, `${SAMPLE}${JSON.stringify(NEW_PARTY)}\n`, V2_LIVE_AT);
  // Uploaded after the window: never live during it.
  await recordVersion(3, SAMPLE, T0 + 2 * 3600_000);
}, 60_000);

afterAll(async () => {
  await ch?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function backtest(screened: boolean) {
  const to = T0 + 3600_000;
  const timeline = createScreeningTimeline(await listVersionsBefore(ch.client, 'cpg', to), (name, version) => listVersionEntities(ch.client, 'cpg', name, version));
  const result = await runBacktest(
    { from: T0, to, warmupMs: 0, maxExamples: 10, base, candidates: [] },
    {
      source: createTransactionSource(ch.client, 'cpg'),
      dispositions: (ids, since) => alertDispositions(ch.client, 'cpg', ids, since),
      lists: Object.fromEntries(LIST_NAMES.map((name) => [name, new Set(pack.lists[name] ?? [])])) as unknown as BacktestDeps['lists'],
      ...(screened ? { screening: timeline } : {}),
      thresholds: { review: 400, decline: 700 },
      cnyPerUsd: 7.12,
      progress: async () => undefined,
    },
  );
  return { result, installed: timeline.installed };
}

describe('a backtest screens with the list versions of the time', () => {
  it('declines a payer listed only in version 2 after version 2 went live, not before', async () => {
    const { result, installed } = await backtest(true);
    expect(result.messages.payment).toBe(5);
    expect(result.changed.paymentIds).toEqual([onBoth.paymentId, afterV2.paymentId, afterV2Cyrillic.paymentId]);
    expect(result.changed.paymentIds).not.toContain(beforeV2.paymentId);
    expect(result.matrix.approve).toEqual({ approve: 2, review: 0, decline: 3 });
    expect(result.rules.find((r) => r.ruleId === 'screening-payer-sanctions')?.candidate).toBe(3);
    // Version 1 from the start, version 2 at its time, version 3 (after the window) never.
    expect(installed).toEqual(['sample:1', 'sample:2']);
  });

  it('screens nothing without the timeline', async () => {
    const { result } = await backtest(false);
    expect(result.matrix.approve).toEqual({ approve: 5, review: 0, decline: 0 });
  });
});
