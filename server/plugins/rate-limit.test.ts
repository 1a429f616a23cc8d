import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.ts';
import { sign } from '../auth/signature.ts';
import { createSessions } from '../auth/sessions.ts';
import { validateConfigFile } from '../config/load.ts';
import { startRedisServer, type RedisProcess } from '../redis-process.ts';
import { createMetrics } from './metrics.ts';
import { ADDRESS_SYNC_MS } from './rate-limit.ts';
import { eventually } from '../../test/support/traffic.ts';

/*
 * The rate limits through the app as server/app.ts builds it (error handler, not-found
 * handler, authentication), against a real redis-server. Limits are small and windows long
 * (ten minutes) so a window never turns during a test; each test speaks from its own addresses.
 */

const WINDOW_MS = 600_000;
const PER_IP = 6;
const PER_PARTICIPANT = 3;
const SECRETS: Record<string, string> = { 'p-one': 'a1'.repeat(24), 'p-two': 'b2'.repeat(24) };
const MONITORING_TOKEN = 'rate-limit-test-monitoring-token-0123456789';

let addressSeq = 0;
/** An address nobody else in this file uses. */
const freshAddress = () => `198.51.100.${++addressSeq}`;

function signedRequest(participant: string, options: { secret?: string; nonce?: string } = {}) {
  const rawBody = JSON.stringify({ hello: 'world' });
  const timestamp = String(Date.now());
  const nonce = options.nonce ?? randomUUID().replaceAll('-', '');
  const signature = sign(options.secret ?? SECRETS[participant]!, { method: 'POST', path: '/signed', timestamp, nonce, rawBody });
  return {
    method: 'POST' as const,
    url: '/signed',
    payload: rawBody,
    headers: { 'content-type': 'application/json', 'x-participant-id': participant, 'x-timestamp': timestamp, 'x-nonce': nonce, 'x-signature': signature },
  };
}

function expectRateLimited(r: { statusCode: number; headers: Record<string, unknown>; json(): any }, limit: number, who: RegExp) {
  expect(r.statusCode).toBe(429);
  expect(r.json()).toEqual({ error: { code: 'RATE_LIMITED', message: expect.stringMatching(who) } });
  const retryAfter = Number(r.headers['retry-after']);
  expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= WINDOW_MS / 1000).toBe(true);
  expect(r.headers).toMatchObject({ 'x-ratelimit-limit': String(limit), 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(retryAfter) });
}

describe('rate limits per address and per participant', () => {
  let dir: string;
  let server: RedisProcess;
  let redis: Redis;
  let app: FastifyInstance;

  const appDeps = (): Parameters<typeof buildApp>[0] => ({
    redis,
    metrics: createMetrics(),
    health: [],
    secretOf: (id) => SECRETS[id],
    maxClockSkewMs: 300_000,
    bodyLimitBytes: 16_384,
    sessions: createSessions(redis, 60_000),
    audit: { record: async () => undefined },
    logger: false,
    monitoringToken: MONITORING_TOKEN,
    rateLimits: { perIp: { max: PER_IP, windowMs: WINDOW_MS }, perParticipant: { max: PER_PARTICIPANT, windowMs: WINDOW_MS } },
    routes: [
      async (a) => {
        a.get('/open', async () => ({ ok: true }));
        a.post('/signed', { preValidation: a.authenticateParticipant }, async (request) => ({ participant: request.participantId }));
      },
    ],
  });

  beforeAll(async () => {
    // A window turning mid-test would reset the counts: start early in one.
    const left = WINDOW_MS - (Date.now() % WINDOW_MS);
    if (left < 20_000) await new Promise((resolve) => setTimeout(resolve, left + 50));
    dir = mkdtempSync(path.join(os.tmpdir(), 'cpg-rate-limit-'));
    server = await startRedisServer({ dir });
    // As server/platform.ts makes the shared connection.
    redis = new Redis(server.url, { maxRetriesPerRequest: 2, enableAutoPipelining: true, lazyConnect: true, commandTimeout: 1000 });
    await redis.connect();
    app = await buildApp(appDeps());
    await app.ready();
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    redis?.disconnect();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses an address past its limit with 429 RATE_LIMITED, Retry-After and rate-limit headers, on routes and unknown URLs alike', async () => {
    const address = freshAddress();
    const get = (url: string, remoteAddress = address) => app.inject({ method: 'GET', url, remoteAddress });
    for (let i = 0; i < PER_IP - 2; i++) expect((await get('/open')).statusCode).toBe(200);
    for (let i = 0; i < 2; i++) expect((await get('/no-such-route')).statusCode).toBe(404);
    expectRateLimited(await get('/open'), PER_IP, /this address/);
    // Scanning for URLs is counted and refused too.
    expectRateLimited(await get('/no-such-route'), PER_IP, /this address/);
    expect((await get('/open', freshAddress())).statusCode).toBe(200);
  });

  it("counts a participant's requests across addresses, only once its signature and a fresh nonce are accepted", async () => {
    const send = (request: ReturnType<typeof signedRequest>) => app.inject({ ...request, remoteAddress: freshAddress() });
    // Someone without the secret, claiming to be p-one: refused, and p-one's budget is untouched.
    for (let i = 0; i < 2 * PER_PARTICIPANT; i++) {
      expect((await send(signedRequest('p-one', { secret: 'f0'.repeat(24) }))).json().error.code).toBe('AUTH_BAD_SIGNATURE');
    }
    const first = signedRequest('p-one');
    expect((await send(first)).json()).toEqual({ participant: 'p-one' });
    // Replays of a request p-one really sent spend nothing either.
    for (let i = 0; i < 2 * PER_PARTICIPANT; i++) expect((await send(first)).json().error.code).toBe('AUTH_NONCE_REUSED');
    for (let i = 1; i < PER_PARTICIPANT; i++) expect((await send(signedRequest('p-one'))).statusCode).toBe(200);
    expectRateLimited(await send(signedRequest('p-one')), PER_PARTICIPANT, /participant p-one/);
    expect((await send(signedRequest('p-two'))).json()).toEqual({ participant: 'p-two' });
  });

  it('refuses an address over its limit before authentication: the refused request spends neither its nonce nor the budget', async () => {
    const address = freshAddress();
    for (let i = 0; i < PER_IP; i++) expect((await app.inject({ method: 'GET', url: '/open', remoteAddress: address })).statusCode).toBe(200);
    const request = signedRequest('p-two');
    expectRateLimited(await app.inject({ ...request, remoteAddress: address }), PER_IP, /this address/);
    // The very same request from elsewhere is accepted: its nonce was still fresh.
    expect((await app.inject({ ...request, remoteAddress: freshAddress() })).json()).toEqual({ participant: 'p-two' });
  });

  it('holds an address to one limit across nodes sharing the Redis', async () => {
    const other = await buildApp({ ...appDeps(), redis });
    try {
      const address = freshAddress();
      const half = Math.floor(PER_IP / 2);
      for (let i = 0; i < half; i++) expect((await app.inject({ method: 'GET', url: '/open', remoteAddress: address })).statusCode).toBe(200);
      for (let i = half; i < PER_IP; i++) expect((await other.inject({ method: 'GET', url: '/open', remoteAddress: address })).statusCode).toBe(200);
      // Once both have synced, the node that synced last knows the total and refuses.
      await new Promise((resolve) => setTimeout(resolve, 4 * ADDRESS_SYNC_MS));
      expectRateLimited(await other.inject({ method: 'GET', url: '/open', remoteAddress: address }), PER_IP, /this address/);
      // The other learns it when it next sends its own requests: one more, then refused.
      expect((await app.inject({ method: 'GET', url: '/open', remoteAddress: address })).statusCode).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 4 * ADDRESS_SYNC_MS));
      expectRateLimited(await app.inject({ method: 'GET', url: '/open', remoteAddress: address }), PER_IP, /this address/);
    } finally {
      await other.close();
    }
  });

  it('counts the client address from X-Forwarded-For only when the request comes from a trusted proxy', async () => {
    const behind = await buildApp({ ...appDeps(), trustProxy: ['192.0.2.10'] });
    try {
      const viaProxy = (client: string) => behind.inject({ method: 'GET', url: '/open', remoteAddress: '192.0.2.10', headers: { 'x-forwarded-for': client } });
      const [a, b] = [freshAddress(), freshAddress()];
      for (let i = 0; i < PER_IP; i++) expect((await viaProxy(a)).statusCode).toBe(200);
      expectRateLimited(await viaProxy(a), PER_IP, /this address/);
      // Another client behind the same proxy has its own budget.
      expect((await viaProxy(b)).statusCode).toBe(200);
      // From anywhere else the header is not believed: a caller cannot pick its address.
      const peer = freshAddress();
      for (let i = 0; i < PER_IP; i++) {
        expect((await behind.inject({ method: 'GET', url: '/open', remoteAddress: peer, headers: { 'x-forwarded-for': freshAddress() } })).statusCode).toBe(200);
      }
      expectRateLimited(await behind.inject({ method: 'GET', url: '/open', remoteAddress: peer, headers: { 'x-forwarded-for': freshAddress() } }), PER_IP, /this address/);
    } finally {
      await behind.close();
    }
  });

  it('keeps limiting on the node\'s own count when Redis cannot count, and counts the failed syncs in /metrics', async () => {
    const metric = async (name: string) => {
      const text = (await app.inject({ method: 'GET', url: '/metrics', remoteAddress: freshAddress(), headers: { authorization: `Bearer ${MONITORING_TOKEN}` } })).body;
      return Number(new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    };
    expect(await metric('cpg_rate_limited_total{scope="ip"}')).toBe(4);
    expect(await metric('cpg_rate_limited_total{scope="participant"}')).toBe(1);
    const before = await metric('cpg_rate_limit_unavailable_total');

    // Redis answering with an error (a server that refuses writes): the node goes on
    // limiting on its own count, and the failed syncs are counted.
    const admin = new Redis(server.url);
    try {
      await admin.config('SET', 'min-replicas-to-write', '1');
      const address = freshAddress();
      for (let i = 0; i < PER_IP; i++) expect((await app.inject({ method: 'GET', url: '/open', remoteAddress: address })).statusCode).toBe(200);
      await eventually(() => metric('cpg_rate_limit_unavailable_total'), (n) => n > before);
      expectRateLimited(await app.inject({ method: 'GET', url: '/open', remoteAddress: address }), PER_IP, /this address/);
    } finally {
      await admin.config('SET', 'min-replicas-to-write', '0');
      admin.disconnect();
    }

    // No connection at all: nothing is sent, the node's own count still holds.
    redis.disconnect();
    const afterRefusals = await metric('cpg_rate_limit_unavailable_total');
    const address = freshAddress();
    for (let i = 0; i < PER_IP; i++) expect((await app.inject({ method: 'GET', url: '/open', remoteAddress: address })).statusCode).toBe(200);
    await eventually(() => metric('cpg_rate_limit_unavailable_total'), (n) => n > afterRefusals);
    expectRateLimited(await app.inject({ method: 'GET', url: '/open', remoteAddress: address }), PER_IP, /this address/);
  });

  it('reads optional per-address and per-participant limits from the config file', () => {
    const config = JSON.parse(readFileSync(new URL('../../config/development.json', import.meta.url), 'utf8'));
    expect(validateConfigFile(config).rateLimits).toEqual(config.rateLimits);
    const { rateLimits: _, ...without } = config;
    expect(validateConfigFile(without).rateLimits).toBeUndefined();
    expect(validateConfigFile({ ...config, rateLimits: { perIp: { max: 50, windowMs: 1000 } } }).rateLimits).toEqual({ perIp: { max: 50, windowMs: 1000 } });
    expect(() => validateConfigFile({ ...config, rateLimits: { perIp: { max: 0, windowMs: 1000 } } })).toThrow(/rateLimits\.perIp\.max/);
    expect(() => validateConfigFile({ ...config, rateLimits: { perAddress: { max: 5, windowMs: 1000 } } })).toThrow(/rateLimits\.perAddress: unknown field/);
  });

  it("refuses in the platform's shape on the routes of plugins registered before the others too (OpenAPI UI, /metrics)", async () => {
    for (const url of ['/docs/json', '/docs/static/index.html', '/metrics', '/openapi.json']) {
      const address = freshAddress();
      for (let i = 0; i < PER_IP; i++) await app.inject({ method: 'GET', url, remoteAddress: address });
      expectRateLimited(await app.inject({ method: 'GET', url, remoteAddress: address }), PER_IP, /this address/);
    }
  });
});
