import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monitoringHeaders } from '../bench/monitoring.ts';
import { participantHttp, type Exchange, type ParticipantHttp } from './support/participant-http.ts';
import { startTestPlatform } from './support/platform.ts';
import { eventually, merchantQrs } from './support/traffic.ts';

/**
 * Admission control on a real platform (its redis-server and embedded ClickHouse): a node
 * admits at most MAX_IN_FLIGHT authorisations at once and refuses the rest with a retryable
 * 503 OVERLOADED before their nonce is spent or their txnId claimed. A place is taken once
 * the request is whole, before it is authenticated. Redis is paused while the requests
 * arrive, so the admitted ones hold their places until it answers: which ones are refused is
 * then certain, not a race, and they are answered while Redis is still paused. (Refusal on
 * arrival, before the body is read, is in server/plugins/admission.test.ts.)
 */

const MAX_IN_FLIGHT = 3;
const SENT = 10;
/** Longer than it takes to send SENT requests; short of the platform's 1 s Redis command timeout. */
const PAUSE_MS = 600;

interface Payment {
  body: Record<string, unknown>;
  first: Exchange;
  again?: Exchange;
}

describe('admission: at most payments.maxInFlight authorisations per node', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  let client: ParticipantHttp;
  let admin: Redis;
  let base: string;
  const payments: Payment[] = [];
  let pausedUntil: number;

  beforeAll(async () => {
    platform = await startTestPlatform({ MAX_IN_FLIGHT: String(MAX_IN_FLIGHT) });
    base = await platform.app.listen({ host: '127.0.0.1', port: 0 });
    client = participantHttp(base, { connections: 2 * SENT });
    admin = new Redis(platform.redisUrl);
    const qr = await merchantQrs(platform.app);
    const bodies = Array.from({ length: SENT }, (_, i) => {
      const walletId = `w-admission-${randomUUID()}`;
      return {
        txnId: `admission-${i}-${randomUUID()}`,
        qr: { payload: qr['m-cn-0001'] },
        amount: { value: `${50 + i}.00`, currency: 'CNY' },
        payer: { walletId, userId: `u-${walletId}`, deviceId: `d-${walletId}`, ip: `203.0.113.${i + 1}`, country: 'TH' },
      };
    });
    await admin.call('CLIENT', 'PAUSE', String(PAUSE_MS), 'ALL');
    pausedUntil = Date.now() + PAUSE_MS;
    const answers = bodies.map((body) => client.post('siam-wallet', '/v1/payments', body, 10_000));
    const firsts = await Promise.all(answers);
    payments.push(...bodies.map((body, i) => ({ body, first: firsts[i]! })));
    // A refused request was never started: the participant sends the very same request again.
    for (const p of payments) {
      if (p.first.status === 503) p.again = await client.post('siam-wallet', '/v1/payments', p.body, 10_000);
    }
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    admin?.disconnect();
    await platform?.stop();
  });

  it('admits maxInFlight payments and refuses the others with 503 OVERLOADED and Retry-After', () => {
    const admitted = payments.filter((p) => p.first.status === 200);
    const refused = payments.filter((p) => p.first.status === 503);
    expect(admitted.length).toBe(MAX_IN_FLIGHT);
    expect(refused.length).toBe(SENT - MAX_IN_FLIGHT);
    for (const p of refused) {
      expect(p.first.body).toEqual({ error: { code: 'OVERLOADED', message: expect.stringMatching(/working on 3 authorisations already; retry shortly/) } });
    }
    // The admitted ones waited for the paused Redis; the refused ones were answered without
    // it, before it resumed: nothing of theirs was authenticated or spent.
    for (const p of admitted) expect(p.first.endedAt).toBeGreaterThanOrEqual(pausedUntil - 50);
    for (const p of refused) expect(p.first.endedAt).toBeLessThan(pausedUntil);
  });

  it('left nothing of a refused request behind: sent again, it is processed once, as new', async () => {
    for (const p of payments.filter((x) => x.again)) {
      expect(p.again!.status, JSON.stringify(p.again!.body)).toBe(200);
      expect(p.again!.body).toMatchObject({ txnId: p.body.txnId, type: 'payment', status: 'APPROVED' });
    }
    const ids = payments.map((p) => (p.again ?? p.first).body!.paymentId as string);
    expect(new Set(ids).size).toBe(SENT);
  });

  it('counts refusals in /metrics and frees every place once answered', async () => {
    const metrics = await (await fetch(`${base}/metrics`, { headers: monitoringHeaders() })).text();
    expect(metrics).toMatch(new RegExp(`^cpg_admission_refused_total ${SENT - MAX_IN_FLIGHT}$`, 'm'));
    expect(metrics).toMatch(/^cpg_authorisations_in_flight 0$/m);
    // With every place free again, a burst of maxInFlight is admitted whole.
    const more = await Promise.all(
      payments.slice(0, MAX_IN_FLIGHT).map((p) =>
        client.post('siam-wallet', '/v1/payments', { ...p.body, txnId: `${String(p.body.txnId)}-more` }, 10_000),
      ),
    );
    expect(more.map((x) => x.status)).toEqual(more.map(() => 200));
  });

  it('lands every answered payment in ClickHouse exactly once, and no refused attempt', async () => {
    await eventually(() => platform.writer!.lag(), (l) => l.pending === 0 && l.lagMs === 0, 60_000);
    const rows = await (
      await platform.clickhouse.client.query({
        query: `SELECT txn_id, groupArray(payment_id) AS ids, groupArray(message_type) AS types FROM cpg.transactions
                WHERE txn_id IN {txns:Array(String)} GROUP BY txn_id`,
        query_params: { txns: payments.map((p) => p.body.txnId) },
        format: 'JSONEachRow',
      })
    ).json<{ txn_id: string; ids: string[]; types: string[] }>();
    const byTxn = new Map(rows.map((r) => [r.txn_id, r]));
    for (const p of payments) {
      const row = byTxn.get(p.body.txnId as string);
      expect(row?.ids, String(p.body.txnId)).toEqual([(p.again ?? p.first).body!.paymentId]);
      expect(row?.types).toEqual(['payment']);
    }
  });
});
