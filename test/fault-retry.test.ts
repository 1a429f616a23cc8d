import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeTapEntry, DEFAULT_TAP_STREAM } from '../ingest/tap-stream.ts';
import { participantHttp, type Exchange, type ParticipantHttp } from './support/participant-http.ts';
import { startTestPlatform } from './support/platform.ts';
import { eventually, merchantQrs } from './support/traffic.ts';

/**
 * A participant that retries every request it got no answer to: short client timeouts,
 * the same txnId and body sent again with a fresh nonce and signature, from two of its
 * servers at once. The gateway is made slow for real: Redis is paused (CLIENT PAUSE ALL)
 * for longer than the participant waits, so the attempts it gave up on are still being
 * processed when the retries arrive, and all of them run together when Redis resumes.
 */

/** How long Redis stops answering each round: past the participant's timeout, short of the platform's 1 s command timeout. */
const PAUSE_MS = 700;
/** The participant waits this long for its first few attempts, then longer (a patient client backs off). */
const SHORT_TIMEOUT_MS = 250;
const LONG_TIMEOUT_MS = 5000;
const SHORT_ATTEMPTS = 4;
const MAX_ATTEMPTS = 12;
const ROUNDS = 3;
const TXNS_PER_ROUND = 12;
/** Each txnId is sent by this many of the participant's servers at once, each retrying on its own. */
const SENDERS = 2;
const OPENING_BALANCE_MINOR = 200_000_000; // siam-wallet: THB 2,000,000.00 (config/development.json)

interface Payment {
  txnId: string;
  walletId: string;
  body: Record<string, unknown>;
  /** Per sender, every attempt in order; the last one is the answer it kept. */
  senders: Exchange[][];
}

/** What the gateway itself sent back, for every attempt, including those nobody waited for any more. */
interface Served {
  txnId: string;
  status: number;
  body: Record<string, any>;
}

const answerOf = (attempts: Exchange[]) => attempts.at(-1)!;
/** No answer yet for the participant: it sends again. 503 DEPENDENCY_DOWN says so in words. */
const sendAgain = (x: Exchange) => typeof x.status !== 'number' || (x.status === 503 && x.body?.error?.code === 'DEPENDENCY_DOWN');

describe('a participant retrying every request after a timeout', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  let client: ParticipantHttp;
  let admin: Redis;
  let qr: Record<string, string>;
  const payments: Payment[] = [];
  const served: Served[] = [];

  /** One sender: the same request until it gets an answer (or runs out of attempts). */
  const sendUntilAnswered = async (payment: Payment): Promise<Exchange[]> => {
    const attempts: Exchange[] = [];
    do {
      const timeout = attempts.length < SHORT_ATTEMPTS ? SHORT_TIMEOUT_MS : LONG_TIMEOUT_MS;
      attempts.push(await client.post('siam-wallet', '/v1/payments', payment.body, timeout));
    } while (sendAgain(attempts.at(-1)!) && attempts.length < MAX_ATTEMPTS);
    return attempts;
  };

  beforeAll(async () => {
    platform = await startTestPlatform();
    platform.app.addHook('onSend', async (request, reply, payload) => {
      if (request.method === 'POST' && request.url === '/v1/payments') {
        served.push({ txnId: (request.body as { txnId?: string })?.txnId ?? '', status: reply.statusCode, body: JSON.parse(String(payload)) as Record<string, any> });
      }
      return payload;
    });
    const base = await platform.app.listen({ host: '127.0.0.1', port: 0 });
    client = participantHttp(base, { connections: 4 * TXNS_PER_ROUND * SENDERS });
    admin = new Redis(platform.redisUrl);
    qr = await merchantQrs(platform.app);

    for (let round = 0; round < ROUNDS; round++) {
      const batch = Array.from({ length: TXNS_PER_ROUND }, (_, i): Payment => {
        const walletId = `w-retry-${randomUUID()}`;
        return {
          txnId: `retry-${round}-${i}-${randomUUID()}`,
          walletId,
          body: {},
          senders: [],
        };
      });
      for (const [i, p] of batch.entries()) {
        p.body = {
          txnId: p.txnId,
          qr: { payload: qr['m-cn-0001'] },
          amount: { value: `${100 + i}.00`, currency: 'CNY' },
          // Ordinary travellers, each from an address of their own: approved, so each debits its wallet.
          payer: { walletId: p.walletId, userId: `u-${p.walletId}`, deviceId: `d-${p.walletId}`, ip: `198.51.${round}.${i + 1}`, country: 'TH' },
        };
      }
      // Redis stops answering just as the payments go out.
      await admin.call('CLIENT', 'PAUSE', String(PAUSE_MS), 'ALL');
      await Promise.all(
        batch.map(async (p) => {
          p.senders = await Promise.all(Array.from({ length: SENDERS }, () => sendUntilAnswered(p)));
        }),
      );
      payments.push(...batch);
    }
  }, 180_000);
  afterAll(async () => {
    await client?.close();
    admin?.disconnect();
    await platform?.stop();
  });

  it('gave up on attempts that the gateway was still processing, and sent them again', () => {
    const attempts = payments.flatMap((p) => p.senders.flat());
    // Every sender timed out at least once, and the gateway answered attempts nobody waited for.
    expect(payments.filter((p) => p.senders.some((s) => s.length < 2)).map((p) => p.senders.map((s) => s.map((x) => x.status)))).toEqual([]);
    expect(attempts.filter((x) => x.status === 'timeout').length).toBeGreaterThanOrEqual(payments.length * SENDERS);
    const servedPer = new Map<string, number>();
    for (const s of served) servedPer.set(s.txnId, (servedPer.get(s.txnId) ?? 0) + 1);
    expect(payments.filter((p) => (servedPer.get(p.txnId) ?? 0) <= SENDERS).map((p) => p.txnId)).toEqual([]);
  });

  it('answers every attempt of a txnId with its first answer, never 409, 500 or a second payment', () => {
    for (const p of payments) {
      const answers = p.senders.map(answerOf);
      expect(answers.map((a) => a.status), `${p.txnId} ${JSON.stringify(answers.map((a) => a.body))}`).toEqual(p.senders.map(() => 200));
      const first = answers[0]!.body!;
      expect(first).toMatchObject({ txnId: p.txnId, type: 'payment', status: 'APPROVED' });
      for (const a of answers) expect(a.body).toEqual(first);
      // What the gateway sent for every attempt, waited for or not: the first answer, or a
      // retryable 503 when Redis did not answer in time.
      const fromGateway = served.filter((s) => s.txnId === p.txnId);
      const unexpected = fromGateway.filter((s) => !(s.status === 200 && JSON.stringify(s.body) === JSON.stringify(first)) && !(s.status === 503 && s.body.error?.code === 'DEPENDENCY_DOWN'));
      expect(unexpected, p.txnId).toEqual([]);
    }
  });

  it('keeps one ledger entry per txnId and debits each wallet once', async () => {
    const recordsByTxn = new Map<string, string[]>();
    const landed = new Map<string, string>();
    let cursor = '0';
    do {
      const [next, keys] = await platform.redis.scan(cursor, 'MATCH', 'paystate:*', 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        // A compact state names its record: the tap's entry, or once the writer has landed
        // and trimmed it, the row ClickHouse holds under that entry's id.
        const entryId = (await platform.redis.get(key))!.split('|').at(-1)!;
        const found = (await platform.redis.xrange(DEFAULT_TAP_STREAM, entryId, entryId)) as Array<[string, string[]]>;
        if (found.length === 0) {
          landed.set(entryId, key);
          continue;
        }
        const entry = decodeTapEntry(found[0]![0], found[0]![1]);
        if (entry?.kind !== 'transaction') throw new Error(`${key} names no transaction entry`);
        const { txnId, paymentId } = entry.event;
        recordsByTxn.set(txnId, [...(recordsByTxn.get(txnId) ?? []), paymentId]);
      }
    } while (cursor !== '0');
    if (landed.size > 0) {
      const rows = await (await platform.clickhouse.client.query({
        query: 'SELECT stream_id, txn_id, payment_id FROM cpg.transactions WHERE stream_id IN {ids:Array(String)}',
        query_params: { ids: [...landed.keys()] },
        format: 'JSONEachRow',
      })).json<{ stream_id: string; txn_id: string; payment_id: string }>();
      for (const r of rows) recordsByTxn.set(r.txn_id, [...(recordsByTxn.get(r.txn_id) ?? []), r.payment_id]);
      expect(rows.map((r) => r.stream_id).sort(), 'every trimmed entry is in ClickHouse').toEqual([...landed.keys()].sort());
    }
    for (const p of payments) {
      const answer = answerOf(p.senders[0]!).body!;
      expect(recordsByTxn.get(p.txnId), p.txnId).toEqual([answer.paymentId]);
      expect(await platform.redis.get(`txn:siam-wallet:${p.txnId}`)).toMatch(new RegExp(`^D\\|[\\w-]+\\|${answer.paymentId}$`));
      const debitedMinor = Number((answer.settlement.amount as string).replace('.', ''));
      expect(await platform.redis.hget(`wallet:siam-wallet:${p.walletId}`, 'balance'), p.txnId).toBe(String(OPENING_BALANCE_MINOR - debitedMinor));
    }
  });

  it('lands exactly one row per txnId in ClickHouse', async () => {
    await eventually(() => platform.writer!.lag(), (l) => l.pending === 0 && l.lagMs === 0, 60_000);
    const rows = await (
      await platform.clickhouse.client.query({
        query: `SELECT txn_id, groupArray(payment_id) AS ids FROM cpg.transactions
                WHERE message_type = 'payment' AND txn_id IN {txns:Array(String)} GROUP BY txn_id`,
        query_params: { txns: payments.map((p) => p.txnId) },
        format: 'JSONEachRow',
      })
    ).json<{ txn_id: string; ids: string[] }>();
    const byTxn = new Map(rows.map((r) => [r.txn_id, r.ids]));
    for (const p of payments) expect(byTxn.get(p.txnId), p.txnId).toEqual([answerOf(p.senders[0]!).body!.paymentId]);
  });
});
