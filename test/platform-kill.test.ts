import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startPlatform } from '../bench/platform-process.ts';
import { bootstrapMerchants } from '../bench/traffic/bootstrap.ts';
import { DEFAULT_CONFIG_PATH, DEFAULT_CREDENTIALS_PATH, loadParticipants } from '../bench/traffic/participants.ts';
import { createPaymentGenerator } from '../bench/traffic/payment-generator.ts';
import { createSignedClient } from '../bench/traffic/signed-client.ts';
import { openClickHouse } from '../server/clickhouse.ts';
import { eventually, ingestDrained } from './support/traffic.ts';

describe('the platform killed with SIGKILL under load', () => {
  it('has every payment that got a 200 in ClickHouse exactly once after a restart', async () => {
    const { participants, homeCountry } = loadParticipants(DEFAULT_CREDENTIALS_PATH, DEFAULT_CONFIG_PATH);
    const first = await startPlatform({ keepDataDir: true });
    const dataDir = first.dataDir;
    const acknowledged: string[] = [];
    let failures = 0;
    try {
      const client = createSignedClient(first.url, { connections: 16 });
      const merchants = await bootstrapMerchants(client, participants.filter((p) => p.kind === 'acquirer'));
      const generator = createPaymentGenerator({ participants, merchants, homeCountry, seed: 7, payersPerWallet: 500 });
      let killed = false;
      const worker = async () => {
        while (!killed) {
          const { participant, body } = generator.next(new Date().getUTCHours());
          try {
            const r = await client.send(participant, 'POST', '/v1/payments', JSON.stringify(body));
            if (r.status === 200) acknowledged.push((r.body as { paymentId: string }).paymentId);
            else failures += 1;
          } catch {
            failures += 1; // connections cut by the kill
          }
        }
      };
      const workers = Array.from({ length: 16 }, worker);
      await eventually(async () => acknowledged.length, (n) => n >= 1500, 60_000);
      const exit = await first.kill();
      killed = true;
      expect(exit.signal).toBe('SIGKILL');
      await Promise.all(workers);
      await client.close();
    } catch (e) {
      await first.kill().catch(() => undefined);
      throw e;
    }

    const second = await startPlatform({ dataDir });
    try {
      await ingestDrained(second.url);
    } finally {
      expect((await second.stop()).code).toBe(0);
    }

    const clickhouse = await openClickHouse({ dataDir });
    try {
      const rows = await (
        await clickhouse.client.query({
          query: `SELECT payment_id, toUInt32(count()) AS n FROM cpg.transactions WHERE payment_id IN {ids:Array(String)} GROUP BY payment_id`,
          query_params: { ids: acknowledged },
          format: 'JSONEachRow',
        })
      ).json<{ payment_id: string; n: number }>();
      const seen = new Map(rows.map((r) => [r.payment_id, Number(r.n)]));
      const missing = acknowledged.filter((id) => !seen.has(id));
      const doubled = [...seen.values()].filter((n) => n !== 1);
      expect({ acknowledged: acknowledged.length, missing: missing.length, doubled: doubled.length }).toEqual({
        acknowledged: acknowledged.length,
        missing: 0,
        doubled: 0,
      });
      expect(acknowledged.length).toBeGreaterThanOrEqual(1500);
    } finally {
      await clickhouse.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
