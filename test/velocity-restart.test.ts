import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { monitoringHeaders } from '../bench/monitoring.ts';
import { startPlatform, type PlatformProcess } from '../bench/platform-process.ts';
import { bootstrapMerchants } from '../bench/traffic/bootstrap.ts';
import { DEFAULT_CONFIG_PATH, DEFAULT_CREDENTIALS_PATH, loadParticipants } from '../bench/traffic/participants.ts';
import { createSignedClient } from '../bench/traffic/signed-client.ts';

/**
 * The velocity state lives in the process: a restart rebuilds it from its last snapshot,
 * ClickHouse (what the writer landed since) and the tap entries not yet written (what a
 * crash left in the stream), so activity that straddles restarts is counted once.
 */
describe('velocity across restarts', () => {
  it('counts the devices of one wallet across a clean restart and a crash', async () => {
    const { participants } = loadParticipants(DEFAULT_CREDENTIALS_PATH, DEFAULT_CONFIG_PATH);
    const wallet = participants.find((p) => p.id === 'siam-wallet')!;
    const walletId = `w-${randomUUID()}`;
    let node: PlatformProcess = await startPlatform({ keepDataDir: true });
    const dataDir = node.dataDir;
    let merchantQr = '';
    const pay = async (deviceId: string) => {
      const client = createSignedClient(node.url, { connections: 1 });
      try {
        const body = {
          txnId: randomUUID(),
          qr: { payload: merchantQr },
          amount: { value: '45.00', currency: 'CNY' },
          payer: { walletId, deviceId, ip: `198.51.100.${1 + Math.floor(Math.random() * 250)}`, country: 'TH' },
        };
        const r = await client.send(wallet, 'POST', '/v1/payments', JSON.stringify(body));
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        expect((r.body as { status: string }).status, JSON.stringify(r.body)).toBe('APPROVED');
        return r.body as { status: string; risk: { reasons: Array<{ ruleId: string; value: number; threshold: number }> } };
      } finally {
        await client.close();
      }
    };
    const stateOf = async () =>
      ((await (await fetch(`${node.url}/health`, { headers: monitoringHeaders() })).json()) as { risk: { state: { warming: boolean; warmUp?: { applied: number; snapshotTakenAt?: string } } } }).risk.state;
    try {
      const client = createSignedClient(node.url, { connections: 1 });
      const merchants = await bootstrapMerchants(client, participants.filter((p) => p.kind === 'acquirer'));
      await client.close();
      merchantQr = merchants.find((m) => m.id === 'm-cn-0001')!.qrPayload;

      const devices = (answer: Awaited<ReturnType<typeof pay>>) => answer.risk.reasons.find((r) => r.ruleId === 'many-devices-per-wallet');
      // Two devices, then a clean stop: the writer lands the payments in ClickHouse.
      for (const device of ['d-1', 'd-2']) expect(devices(await pay(`${walletId}-${device}`))).toBeUndefined();
      expect((await node.stop()).code).toBe(0);
      node = await startPlatform({ dataDir, keepDataDir: true });
      // The clean stop wrote a snapshot holding both: history adds nothing to it.
      const afterStop = await stateOf();
      expect(afterStop).toMatchObject({ warming: false, warmUp: { applied: 0, snapshotTakenAt: expect.any(String) } });

      // A third, then a crash: it may not have left the tap's stream.
      expect(devices(await pay(`${walletId}-d-3`))).toBeUndefined();
      expect((await node.kill()).signal).toBe('SIGKILL');
      // Without any snapshot (lost with its disk): everything from ClickHouse and the tap's stream.
      rmSync(path.join(dataDir, 'risk-state'), { recursive: true, force: true });
      node = await startPlatform({ dataDir, keepDataDir: true });
      const afterCrash = await stateOf();
      expect(afterCrash).toMatchObject({ warming: false, warmUp: { applied: 3 } });
      expect(afterCrash.warmUp).not.toHaveProperty('snapshotTakenAt');

      // The fourth device of the wallet within a day is one too many (limit 3).
      expect(devices(await pay(`${walletId}-d-4`))).toMatchObject({ value: 4, threshold: 3 });
    } finally {
      await node.stop().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 300_000);
});
