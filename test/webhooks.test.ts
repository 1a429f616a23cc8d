import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookSignature } from '../analytics/alerts/webhook-delivery.ts';
import { signed } from './support/signed-request.ts';
import { repoRoot, secretOf, startTestPlatform } from './support/platform.ts';
import { eventually, merchantQrs } from './support/traffic.ts';

interface Delivery {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

describe('alert webhooks', () => {
  let receiver: Server;
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  let dir: string;
  const delivered: Delivery[] = [];
  let attempts = 0;

  beforeAll(async () => {
    // A participant endpoint that fails the first call, as real ones sometimes do.
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        attempts += 1;
        if (attempts === 1) {
          res.writeHead(503).end();
          return;
        }
        delivered.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    const port = (receiver.address() as AddressInfo).port;
    dir = mkdtempSync(path.join(os.tmpdir(), 'cpg-webhook-'));
    const config = JSON.parse(readFileSync(path.join(repoRoot, 'config/development.json'), 'utf8'));
    config.participants.find((p: { id: string }) => p.id === 'siam-wallet').webhookUrl = `http://127.0.0.1:${port}/cpg-alerts`;
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
    platform = await startTestPlatform({ CONFIG: path.join(dir, 'config.json') });
  });
  afterAll(async () => {
    await platform?.stop();
    receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("delivers a new alert to its participant's webhook once, signed, after a failed attempt", async () => {
    const qr = await merchantQrs(platform.app);
    const walletId = `w-${randomUUID()}`;
    const pay = () =>
      signed(platform.app, {
        participant: 'siam-wallet',
        method: 'POST',
        path: '/v1/payments',
        body: { txnId: randomUUID(), qr: { payload: qr['m-cn-0001'] }, amount: { value: '20.00', currency: 'CNY' }, payer: { walletId, deviceId: `d-${walletId}`, country: 'KP' } },
      });
    const first = await pay();
    expect(first.body.risk.decision).toBe('decline');
    await eventually(async () => delivered.length, (n) => n === 1, 15_000);
    // The same payer again on the same rule joins the open alert: no second webhook.
    expect((await pay()).body.risk.decision).toBe('decline');
    await eventually(() => platform.alerting.alerts.list({ participant: 'siam-wallet' }), (l) => l.some((a) => a.count === 2), 5000);

    const [d] = delivered;
    const body = JSON.parse(d!.body) as { type: string; alert: { id: string; paymentId: string; ruleId: string } };
    expect(body).toMatchObject({ type: 'alert', alert: { paymentId: first.body.paymentId, ruleId: 'sanctioned-country' } });
    expect(d!.headers['x-cpg-alert-id']).toBe(body.alert.id);
    const expected = webhookSignature(secretOf('siam-wallet'), String(d!.headers['x-cpg-timestamp']), d!.body);
    expect(d!.headers['x-cpg-signature']).toBe(expected);
    expect(attempts).toBe(2);
    expect(delivered).toHaveLength(1);
  }, 60_000);
});
