import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startPlatform } from '../bench/platform-process.ts';
import { bootstrapMerchants } from '../bench/traffic/bootstrap.ts';
import { DEFAULT_CONFIG_PATH, DEFAULT_CREDENTIALS_PATH, loadParticipants, type SimulatedParticipant } from '../bench/traffic/participants.ts';
import { createPaymentGenerator } from '../bench/traffic/payment-generator.ts';
import { createSignedClient } from '../bench/traffic/signed-client.ts';
import { openClickHouse } from '../server/clickhouse.ts';
import { eventually, ingestDrained } from './support/traffic.ts';

/*
 * `redis.durability: always`, the platform and its redis-server both killed with SIGKILL
 * under load: redis-server gets no SIGTERM to write anything at the end, so whatever was
 * answered must already have been in its AOF. What a process kill cannot show: the kernel's
 * page cache outlives it, so a write that reached the kernel survives here even unfsynced;
 * test/durability-fsync.test.ts shows each answer waits for the fsync, which a host crash needs.
 */
describe('the platform and its redis-server killed with SIGKILL, durability always', () => {
  it('keeps every answered payment: a resend gets its first answer, and it is in ClickHouse exactly once', async () => {
    const { participants, homeCountry } = loadParticipants(DEFAULT_CREDENTIALS_PATH, DEFAULT_CONFIG_PATH);
    const first = await startPlatform({ keepDataDir: true, durability: 'always' });
    const dataDir = first.dataDir;
    const answered: Array<{ participant: SimulatedParticipant; body: string; paymentId: string }> = [];
    try {
      const client = createSignedClient(first.url, { connections: 16 });
      const merchants = await bootstrapMerchants(client, participants.filter((p) => p.kind === 'acquirer'));
      const generator = createPaymentGenerator({ participants, merchants, homeCountry, seed: 11, payersPerWallet: 500, txnPrefix: 'kill' });
      let killed = false;
      const worker = async () => {
        while (!killed) {
          const { participant, body } = generator.next(new Date().getUTCHours());
          const text = JSON.stringify(body);
          try {
            const r = await client.send(participant, 'POST', '/v1/payments', text);
            if (r.status === 200) answered.push({ participant, body: text, paymentId: (r.body as { paymentId: string }).paymentId });
          } catch {
            // connections cut by the kill
          }
        }
      };
      const workers = Array.from({ length: 16 }, worker);
      await eventually(async () => answered.length, (n) => n >= 1000, 90_000);
      // redis-server first: killed after the platform it would get SIGTERM (setpriv) and end cleanly.
      const redisPid = Number(readFileSync(path.join(dataDir, 'redis', 'redis.pid'), 'utf8'));
      process.kill(redisPid, 'SIGKILL');
      const exit = await first.kill();
      killed = true;
      expect(exit.signal).toBe('SIGKILL');
      await Promise.all(workers);
      await client.close();
      expect(readFileSync(path.join(dataDir, 'redis', 'redis.log'), 'utf8')).not.toMatch(/Received SIGTERM/);
    } catch (e) {
      await first.kill().catch(() => undefined);
      throw e;
    }

    const second = await startPlatform({ dataDir, durability: 'always' });
    const repeated: string[] = [];
    try {
      const client = createSignedClient(second.url, { connections: 16 });
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          for (let i = next++; i < answered.length; i = next++) {
            const { participant, body } = answered[i]!;
            const r = await client.send(participant, 'POST', '/v1/payments', body);
            repeated[i] = r.status === 200 ? (r.body as { paymentId: string }).paymentId : `HTTP ${r.status}`;
          }
        }),
      );
      await client.close();
      await ingestDrained(second.url);
    } finally {
      expect((await second.stop()).code).toBe(0);
    }
    // The ledger still held each one: the resend was answered with it. Counted otherwise by
    // what the resend got instead: an HTTP status, or another paymentId (switched anew).
    const forgotten: Record<string, number> = {};
    answered.forEach((a, i) => {
      if (repeated[i] === a.paymentId) return;
      const kind = repeated[i]?.startsWith('HTTP') ? repeated[i]! : 'another paymentId';
      forgotten[kind] = (forgotten[kind] ?? 0) + 1;
    });
    expect({ answered: answered.length, forgotten }).toEqual({ answered: answered.length, forgotten: {} });

    const clickhouse = await openClickHouse({ dataDir });
    try {
      const ids = answered.map((a) => a.paymentId);
      const rows = await (
        await clickhouse.client.query({
          query: `SELECT payment_id, toUInt32(count()) AS n FROM cpg.transactions WHERE payment_id IN {ids:Array(String)} GROUP BY payment_id`,
          query_params: { ids },
          format: 'JSONEachRow',
        })
      ).json<{ payment_id: string; n: number }>();
      const seen = new Map(rows.map((r) => [r.payment_id, Number(r.n)]));
      const missing = ids.filter((id) => !seen.has(id));
      const doubled = [...seen.values()].filter((n) => n !== 1);
      expect({ answered: ids.length, missing: missing.length, doubled: doubled.length }).toEqual({ answered: ids.length, missing: 0, doubled: 0 });
      expect(ids.length).toBeGreaterThanOrEqual(1000);
    } finally {
      await clickhouse.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 300_000);
});
