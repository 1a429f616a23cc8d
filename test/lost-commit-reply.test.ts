import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform } from './support/platform.ts';
import { signed } from './support/signed-request.ts';
import { eventually, merchantQrs } from './support/traffic.ts';

/**
 * A commit that ran in Redis but whose reply never reached the switch: the participant is
 * told 503 DEPENDENCY_DOWN, its retry gets the first answer from the ledger, and the
 * payment must still raise its alert, once. The real platform (its redis-server, embedded
 * ClickHouse); the reply is lost at the client: the commit script is sent and runs for
 * real, then its reply is replaced by the error ioredis gives on a command timeout.
 */

type Scripted = Record<string, (...args: unknown[]) => Promise<unknown>>;

describe('a payment whose commit reply was lost', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  let body: Record<string, unknown>;
  let first: { status: number; body: Record<string, any> };
  let retry: { status: number; body: Record<string, any> };

  beforeAll(async () => {
    platform = await startTestPlatform();
    const qr = await merchantQrs(platform.app);
    const walletId = `w-lost-${randomUUID()}`;
    // A payer from a sanctioned country: declined, and always an alert.
    body = {
      txnId: `lost-${randomUUID()}`,
      qr: { payload: qr['m-cn-0001'] },
      amount: { value: '25.00', currency: 'CNY' },
      payer: { walletId, deviceId: `d-${walletId}`, country: 'KP' },
    };
    const redis = platform.redis as unknown as Scripted;
    const commit = redis.commitPayment!;
    let lose = 1;
    redis.commitPayment = function (this: unknown, ...args: unknown[]) {
      // ioredis's auto-pipeline calls the same method on its pipeline: that one stays real.
      if (this !== redis) return commit.apply(this, args);
      const reply = commit.apply(redis, args);
      if (lose-- <= 0) return reply;
      return reply.then(() => {
        throw new Error('Command timed out');
      });
    };
    first = await signed(platform.app, { participant: 'siam-wallet', method: 'POST', path: '/v1/payments', body });
    retry = await signed(platform.app, { participant: 'siam-wallet', method: 'POST', path: '/v1/payments', body });
  }, 60_000);
  afterAll(async () => {
    await platform?.stop();
  });

  it('answers 503 DEPENDENCY_DOWN, then the committed answer to the retry', () => {
    expect(first.status).toBe(503);
    expect(first.body.error.code).toBe('DEPENDENCY_DOWN');
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ txnId: body.txnId, status: 'DECLINED', risk: { decision: 'decline' } });
  });

  it('raises the alert the first attempt never raised, once', async () => {
    const paymentId = retry.body.paymentId as string;
    const alertId = `alt_${paymentId.slice(4)}`;
    const alert = await eventually(() => platform.alerting.alerts.get(alertId), (a) => a !== undefined, 10_000);
    expect(alert).toMatchObject({ paymentId, participant: 'siam-wallet', decision: 'decline', count: 1 });
    // The late observer is done with it, and nothing raised it a second time.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await platform.alerting.alerts.get(alertId)).toMatchObject({ count: 1 });
  });
});
