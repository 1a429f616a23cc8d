import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Pipeline, Redis, type Command } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, startTestPlatform } from './support/platform.ts';
import { signed } from './support/signed-request.ts';
import { merchantQrs } from './support/traffic.ts';

/**
 * The Redis calls a payment waits for before its decision, on a real platform: one, which
 * spends the signed request's nonce and its participant's budget and claims its txnId.
 * Commands are attributed to the request whose handling issued them (its async context),
 * so the platform's own timers (address counts, live figures) do not count.
 */

const WINDOW_MS = 600_000;
const PER_PARTICIPANT = 3;

/** The commands issued within `counting.run(list, ...)`, each once (a pipelined command passes sendCommand twice). */
const counting = new AsyncLocalStorage<string[]>();
const seen = new WeakSet<Command>();
for (const prototype of [Redis.prototype, Pipeline.prototype] as Array<{ sendCommand(command: Command, ...rest: unknown[]): unknown }>) {
  const send = prototype.sendCommand;
  prototype.sendCommand = function (this: unknown, command: Command, ...rest: unknown[]) {
    if (!seen.has(command)) {
      seen.add(command);
      counting.getStore()?.push(command.name);
    }
    return send.call(this, command, ...rest);
  };
}

describe('a payment waits for one Redis call before its decision', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  let dir: string;
  let qr: Record<string, string>;
  /** The commands of the request being counted, when its risk step began. */
  let beforeScoring: string[] | undefined;

  beforeAll(async () => {
    // A window turning mid-test would reset the participants' counts: start early in one.
    const left = WINDOW_MS - (Date.now() % WINDOW_MS);
    if (left < 30_000) await new Promise((resolve) => setTimeout(resolve, left + 50));
    dir = mkdtempSync(path.join(os.tmpdir(), 'cpg-redis-calls-'));
    const config = JSON.parse(readFileSync(path.join(repoRoot, 'config', 'development.json'), 'utf8')) as Record<string, unknown>;
    config.rateLimits = { perParticipant: { max: PER_PARTICIPANT, windowMs: WINDOW_MS } };
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
    platform = await startTestPlatform({ CONFIG: path.join(dir, 'config.json') });
    qr = await merchantQrs(platform.app);
    const risk = platform.risk;
    const score = risk.score.bind(risk);
    risk.score = (message) => {
      const commands = counting.getStore();
      if (commands) beforeScoring ??= [...commands];
      return score(message);
    };
  }, 60_000);
  afterAll(async () => {
    await platform?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const payment = (participant: string, options: { nonce?: string; body?: unknown } = {}) => {
    const walletId = `w-calls-${randomUUID()}`;
    const body = options.body ?? {
      txnId: `calls-${randomUUID()}`,
      qr: { payload: qr['m-cn-0001'] },
      amount: { value: '25.00', currency: 'CNY' },
      payer: { walletId, userId: `u-${walletId}`, deviceId: `d-${walletId}`, ip: '203.0.113.77', country: 'TH' },
    };
    return { body: body as { txnId: string }, send: () => signed(platform.app, { participant, method: 'POST', path: '/v1/payments', body, ...options }) };
  };
  const budgetUsed = async (participant: string) => Number((await platform.redis.get(`ratelimit:participant:${participant}:${Math.floor(Date.now() / WINDOW_MS)}`)) ?? 0);
  const claimed = (participant: string, txnId: string) => platform.redis.exists(`txn:${participant}:${txnId}`);

  it('spends the nonce and the budget and claims the txnId in one call, before the risk step', async () => {
    // The first payment of a connection loads the scripts into Redis: not counted.
    expect((await payment('siam-wallet').send()).status).toBe(200);
    beforeScoring = undefined;
    const commands: string[] = [];
    const answer = await counting.run(commands, () => payment('siam-wallet').send());
    expect(answer.status).toBe(200);
    expect(beforeScoring, 'the payment was never scored').toBeDefined();
    expect(beforeScoring).toEqual(['evalsha']);
    expect(await budgetUsed('siam-wallet')).toBe(2);
  });

  it('spends nothing and claims nothing for a replayed nonce', async () => {
    const nonce = `calls-${randomUUID()}`;
    expect((await payment('merlion-pay', { nonce }).send()).status).toBe(200);
    const replay = payment('merlion-pay', { nonce });
    const refused = await replay.send();
    expect([refused.status, refused.body.error.code]).toEqual([401, 'AUTH_NONCE_REUSED']);
    expect(await claimed('merlion-pay', replay.body.txnId)).toBe(0);
    expect(await budgetUsed('merlion-pay')).toBe(1);
  });

  it('claims nothing for a participant over its budget: 429 RATE_LIMITED with Retry-After', async () => {
    for (let i = 0; i < PER_PARTICIPANT; i++) expect((await payment('hangang-pay').send()).status).toBe(200);
    const over = payment('hangang-pay', { nonce: `calls-${randomUUID()}` });
    const refused = await over.send();
    expect([refused.status, refused.body.error.code]).toEqual([429, 'RATE_LIMITED']);
    expect(refused.body.error.message).toMatch(/participant hangang-pay/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.headers['x-ratelimit-limit']).toBe(String(PER_PARTICIPANT));
    expect(await claimed('hangang-pay', over.body.txnId)).toBe(0);
  });

  it('spends the nonce of a payment refused for its body before answering it', async () => {
    const nonce = `calls-${randomUUID()}`;
    const refused = await payment('panda-wallet', { nonce, body: { qr: { payload: qr['m-cn-0001'] } } }).send();
    expect(refused.status).toBe(400);
    expect(await platform.redis.exists(`nonce:panda-wallet:${nonce}`)).toBe(1);
  });
});
