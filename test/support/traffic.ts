import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ClickHouseClient } from '@clickhouse/client';
import { signed } from './signed-request.ts';
import { monitoringHeaders } from '../../bench/monitoring.ts';

/** Static QR codes of a few merchants, fetched the way an acquirer would. */
export async function merchantQrs(app: FastifyInstance): Promise<Record<string, string>> {
  const qr: Record<string, string> = {};
  for (const [acquirer, merchant] of [
    ['huaxia-acquiring', 'm-cn-0001'],
    ['huaxia-acquiring', 'm-cn-0004'],
    ['huaxia-acquiring', 'm-cn-0006'],
    ['lion-city-acquiring', 'm-sg-0001'],
    ['lion-city-acquiring', 'm-kr-0001'],
  ] as const) {
    const r = await signed(app, { participant: acquirer, method: 'POST', path: `/v1/merchants/${merchant}/qr`, body: {} });
    if (r.status !== 200) throw new Error(`no QR for ${merchant}: ${JSON.stringify(r.body)}`);
    qr[merchant] = r.body.payload as string;
  }
  return qr;
}

/** The i-th of a deterministic mix of inbound, outbound and cross-market payments. */
export function mixedPayment(qr: Record<string, string>, i: number): { participant: string; body: Record<string, unknown> } {
  const plans = [
    ['siam-wallet', 'm-cn-0001', 'CNY', '88.00'],
    ['merlion-pay', 'm-cn-0004', 'CNY', '12.50'],
    ['hangang-pay', 'm-cn-0006', 'CNY', '230.00'],
    ['panda-wallet', 'm-sg-0001', 'SGD', '19.90'],
    ['yangtze-pay', 'm-kr-0001', 'KRW', '35000'],
    ['siam-wallet', 'm-sg-0001', 'SGD', '7.20'],
  ] as const;
  const [participant, merchant, currency, value] = plans[i % plans.length]!;
  return {
    participant,
    body: {
      txnId: `t-${i}-${randomUUID()}`,
      qr: { payload: qr[merchant] },
      amount: { value, currency },
      // Thousands of ordinary payers, each with its own device and address: ordinary traffic.
      payer: { walletId: `w-${i % 5000}`, deviceId: `d-${i % 5000}`, ip: `10.${(i % 5000) >> 8}.${(i % 5000) & 255}.7`, country: 'TH', location: { lat: 31.2, lon: 121.5 } },
    },
  };
}

/** Sends `count` payments with `concurrency` in flight; returns the answers in order. */
export async function sendPayments(
  app: FastifyInstance,
  qr: Record<string, string>,
  count: number,
  concurrency = 32,
  offset = 0,
): Promise<Array<{ status: number; body: Record<string, any> }>> {
  const answers: Array<{ status: number; body: Record<string, any> }> = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < count; i = next++) {
        const { participant, body } = mixedPayment(qr, offset + i);
        answers[i] = await signed(app, { participant, method: 'POST', path: '/v1/payments', body });
      }
    }),
  );
  return answers;
}

export async function scalar<T = number>(client: ClickHouseClient, query: string, params: Record<string, unknown> = {}): Promise<T> {
  const rows = await (await client.query({ query, query_params: params, format: 'JSONEachRow' })).json<Record<string, unknown>>();
  const first = rows[0] ?? {};
  const value = Object.values(first)[0];
  return (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value) as T;
}

/** Waits until `check` holds, polling; fails with the last value seen. */
export async function eventually<T>(read: () => Promise<T> | T, check: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await read();
  while (!check(last)) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
    last = await read();
  }
  return last;
}

/**
 * Up to `rate` sends a second from `workers` concurrent loops, each waiting for its send to
 * finish before the next: on a loaded machine the rate drops rather than a queue growing
 * without bound. `send` gets the running number of the send.
 */
export function pacedTraffic(rate: number, workers: number, send: (i: number) => Promise<void>): { stop(): Promise<void> } {
  let running = true;
  let next = 0;
  let due = Date.now();
  const loops = Array.from({ length: workers }, async () => {
    while (running) {
      const i = next++;
      due = Math.max(Date.now(), due + 1000 / rate);
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      await send(i);
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** Waits until a running platform's ingest writer has written everything (/health: nothing pending, no lag). */
export async function ingestDrained(url: string, timeoutMs = 60_000): Promise<void> {
  await eventually(
    async () => ((await (await fetch(`${url}/health`, { headers: monitoringHeaders() })).json()) as { ingest: { pending: number; lagMs: number } }).ingest,
    (i) => i.pending === 0 && i.lagMs === 0,
    timeoutMs,
  );
}

/**
 * A mule fan-in: `payers` new siam-wallet payers, each with its own device and IP, pay one
 * merchant 800.00 CNY (over USD 100) each, one after the other; from the 30th payer on the
 * mule-fan-in rule reviews them. Every payment must be answered 200.
 */
export async function muleFanIn(app: FastifyInstance, qr: Record<string, string>, merchant: string, run: string, payers = 34): Promise<void> {
  for (let i = 0; i < payers; i++) {
    const r = await signed(app, {
      participant: 'siam-wallet',
      method: 'POST',
      path: '/v1/payments',
      body: { txnId: `fan-${run}-${i}`, qr: { payload: qr[merchant] }, amount: { value: '800.00', currency: 'CNY' }, payer: { walletId: `w-fan-${run}-${i}`, deviceId: `d-fan-${run}-${i}`, ip: `10.77.${i}.9`, country: 'TH' } },
    });
    if (r.status !== 200) throw new Error(`fan-in payment ${i} answered ${r.status}: ${JSON.stringify(r.body)}`);
  }
}
