import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openClickHouse, type ClickHouse } from '../../server/clickhouse.ts';
import { migrate } from './migrate.ts';
import { MIGRATIONS } from './migrations.ts';

/**
 * Migration 12 against rows stored before it, in an embedded ClickHouse: an overseas wallet
 * paying in its own market was stored as `cross-market` with corridor "TH-TH"; the
 * migration calls those rows `local` and leaves every other row as it was.
 */
const RELABEL = MIGRATIONS.find((m) => m.version === 12)!;
const BEFORE = MIGRATIONS.filter((m) => m.version < RELABEL.version);

interface Stored {
  id: string;
  type?: string;
  direction: string;
  corridor: string;
}

// As the switch stored them before the fourth direction existed (and one that has it already).
const STORED: Stored[] = [
  { id: 'th-th', direction: 'cross-market', corridor: 'TH-TH' },
  { id: 'sg-sg', direction: 'cross-market', corridor: 'SG-SG' },
  { id: 'th-th-refund', type: 'refund', direction: 'cross-market', corridor: 'TH-TH' },
  { id: 'sg-th', direction: 'cross-market', corridor: 'SG-TH' },
  { id: 'kr-my', direction: 'cross-market', corridor: 'KR-MY' },
  { id: 'th-cn', direction: 'inbound', corridor: 'TH-CN' },
  { id: 'cn-th', direction: 'outbound', corridor: 'CN-TH' },
  { id: 'my-my-new', direction: 'local', corridor: 'MY-MY' },
  { id: 'rejected', type: 'rejected', direction: '', corridor: '' },
];

const row = (s: Stored, i: number) => {
  const [payer = '', merchant = ''] = s.corridor.split('-');
  return {
    payment_id: s.id,
    message_type: s.type ?? 'payment',
    participant: 'siam-wallet',
    direction: s.direction,
    corridor: s.corridor,
    payer_market: payer,
    merchant_country: merchant,
    status: s.type === 'rejected' ? 'REJECTED' : 'APPROVED',
    received_at: `2026-11-0${1 + (i % 3)} 10:00:00.000`,
    decided_at: `2026-11-0${1 + (i % 3)} 10:00:00.001`,
    stream_id: `${i}-0`,
  };
};

describe('migration 12: local payments stored as cross-market', () => {
  let dir: string;
  let ch: ClickHouse;
  const directions = async () =>
    Object.fromEntries(
      (
        await (
          await ch.client.query({ query: 'SELECT payment_id, direction FROM cpg.transactions ORDER BY payment_id', format: 'JSONEachRow' })
        ).json<{ payment_id: string; direction: string }>()
      ).map((r) => [r.payment_id, r.direction]),
    );
  const everything = async () =>
    (await ch.client.query({ query: 'SELECT * FROM cpg.transactions ORDER BY payment_id', format: 'JSONEachRow' })).json();

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'cpg-relabel-'));
    ch = await openClickHouse({ dataDir: dir });
    expect((await migrate(ch.client, 'cpg', BEFORE)).applied).toEqual(BEFORE.map((m) => m.version));
    // Two inserts, so the rows to relabel sit in more than one part.
    for (const [n, part] of [STORED.slice(0, 4), STORED.slice(4)].entries()) {
      await ch.client.insert({
        table: 'cpg.transactions',
        values: part.map((s) => row(s, STORED.indexOf(s))),
        format: 'JSONEachRow',
        clickhouse_settings: { async_insert: 0, insert_deduplication_token: `relabel-seed-${n}` },
      });
    }
  });
  afterAll(async () => {
    await ch?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('relabels cross-market rows whose corridor names one country twice as local, and nothing else', async () => {
    expect((await migrate(ch.client, 'cpg')).applied).toEqual([12]);
    expect(await directions()).toEqual({
      'th-th': 'local',
      'sg-sg': 'local',
      'th-th-refund': 'local',
      'sg-th': 'cross-market',
      'kr-my': 'cross-market',
      'th-cn': 'inbound',
      'cn-th': 'outbound',
      'my-my-new': 'local',
      rejected: '',
    });
  });

  it('changes nothing when it runs again: recorded once, and its statement finds nothing left to relabel', async () => {
    const after = await everything();
    expect((await migrate(ch.client, 'cpg')).applied).toEqual([]);
    // As a migration interrupted after its statement and before its record would run again.
    for (const statement of RELABEL.statements) await ch.client.command({ query: statement.replaceAll('{db}', 'cpg') });
    expect(await everything()).toEqual(after);
  });

  it('leaves no aggregate to relabel: only the transactions table has a direction column', async () => {
    const tables = await (
      await ch.client.query({
        query: "SELECT DISTINCT table FROM system.columns WHERE database = 'cpg' AND name = 'direction' ORDER BY table",
        format: 'JSONEachRow',
      })
    ).json<{ table: string }>();
    expect(tables.map((t) => t.table)).toEqual(['transactions']);
  });
});
