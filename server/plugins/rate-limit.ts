import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { Counter, type Registry } from 'prom-client';
import type { RateLimitsConfig, WindowLimit } from '../config/schema.ts';
import { HttpDomainError } from '../http-errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** This request's count in its address's window, asked for in onRequest and awaited in preValidation. */
    rateLimitIpCount: Promise<number> | null;
  }
  interface FastifyInstance {
    participantBudget: ParticipantBudget;
  }
}

export interface RateLimits {
  perIp: WindowLimit;
  perParticipant: WindowLimit;
}

/**
 * Generous on purpose: one address or one participant may use all of a node's capacity
 * (>= 10,000 authorisations/s, ARCHITECTURE.md), no more. Participants are servers, often
 * sending everything from one egress address, and the benchmarks send everything from
 * loopback, which is counted like any other address: with trustProxy off, a reverse proxy
 * on the same host makes every caller loopback, so exempting it would switch the limit off.
 * Deployments set their own (`rateLimits` in the config file).
 */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  perIp: { max: 20_000, windowMs: 1000 },
  perParticipant: { max: 10_000, windowMs: 1000 },
};

export function rateLimitsOf(config: RateLimitsConfig | undefined): RateLimits {
  return {
    perIp: config?.perIp ?? DEFAULT_RATE_LIMITS.perIp,
    perParticipant: config?.perParticipant ?? DEFAULT_RATE_LIMITS.perParticipant,
  };
}

/** What participant authentication asks of the limiter (server/plugins/participant-auth.ts). */
export interface ParticipantBudget {
  /** Spends the nonce and, only if it was fresh, one request of the participant's window: 0 when the nonce was used before, else the count. */
  spendNonce(nonceKey: string, participantId: string, nonceTtlMs: number): Promise<number>;
  /** Throws RATE_LIMITED when `count` (from spendNonce) is past the participant's limit. */
  checkParticipant(participantId: string, count: number): void;
}

interface ScriptedRedis extends Redis {
  countRequest(key: string, windowMs: number): Promise<number>;
  spendNonce(nonceKey: string, counterKey: string, nonceTtlMs: number, windowMs: number): Promise<number>;
}

const SCRIPTS = [
  ['countRequest', 'countRequest-1.lua', 1],
  ['spendNonce', 'spendNonce-2.lua', 2],
] as const;

function defineScripts(redis: Redis): ScriptedRedis {
  for (const [name, file, keys] of SCRIPTS) {
    if ((redis as unknown as Record<string, unknown>)[name]) continue;
    redis.defineCommand(name, { numberOfKeys: keys, lua: readFileSync(new URL(`./lua/${file}`, import.meta.url), 'utf8') });
  }
  return redis as ScriptedRedis;
}

function counter(registry: Registry, name: string, help: string, labelNames: string[] = []): Counter<string> {
  return (registry.getSingleMetric(name) as Counter<string> | undefined) ?? new Counter({ name, help, labelNames, registers: [registry] });
}

/** 429 in the platform's error shape, with Retry-After and the rate-limit headers @fastify/rate-limit would send. */
function refusal(limit: WindowLimit, who: string): HttpDomainError {
  const untilReset = limit.windowMs - (Date.now() % limit.windowMs);
  const seconds = String(Math.max(1, Math.ceil(untilReset / 1000)));
  return new HttpDomainError('RATE_LIMITED', `too many requests from ${who}: at most ${limit.max} per ${limit.windowMs} ms; retry in ${seconds} s`, {
    'retry-after': seconds,
    'x-ratelimit-limit': String(limit.max),
    'x-ratelimit-remaining': '0',
    'x-ratelimit-reset': seconds,
  });
}

/**
 * Fixed-window request limits in Redis, shared by every node: per client address on every
 * route (fastify's own and the not-found handler alike), and per participant on signed
 * requests once their signature and nonce are accepted, so nobody without the secret can
 * spend a participant's budget. The counters ride the shared auto-pipelining connection:
 * the address is counted from onRequest and its answer awaited only in preValidation (after
 * the body is read), and the participant is counted by the same script, in the same round
 * trip, that spends the nonce. When Redis does not answer, the address limit lets requests
 * through and counts them (the risk engine has its own failure policy); the participant's
 * count shares the nonce's fate, as replay protection cannot be skipped.
 */
export default fp(
  async function rateLimit(app: FastifyInstance, options: { redis: Redis; limits: RateLimits; registry: Registry }) {
    const redis = defineScripts(options.redis);
    const { perIp, perParticipant } = options.limits;
    const limited = counter(options.registry, 'cpg_rate_limited_total', 'Requests refused with 429 RATE_LIMITED, by the limit they hit', ['scope']);
    const unavailable = counter(options.registry, 'cpg_rate_limit_unavailable_total', 'Requests let through uncounted because Redis did not answer the address limit');
    const failOpen = (): number => {
      unavailable.inc();
      return 0;
    };

    app.decorateRequest('rateLimitIpCount', null);
    app.addHook('onRequest', (request, _reply, done) => {
      // A disconnected client would queue the command until Redis is back: let the request through now.
      if (redis.status !== 'ready') failOpen();
      else {
        const key = `ratelimit:ip:${request.ip}:${Math.floor(Date.now() / perIp.windowMs)}`;
        request.rateLimitIpCount = redis.countRequest(key, perIp.windowMs).then(undefined, failOpen);
      }
      done();
    });
    // Application-wide, so it runs before any route's own preValidation (authentication).
    app.addHook('preValidation', async (request) => {
      const pending = request.rateLimitIpCount;
      if (pending !== null && (await pending) > perIp.max) {
        limited.inc({ scope: 'ip' });
        throw refusal(perIp, 'this address');
      }
    });

    app.decorate('participantBudget', {
      spendNonce(nonceKey, participantId, nonceTtlMs) {
        const key = `ratelimit:participant:${participantId}:${Math.floor(Date.now() / perParticipant.windowMs)}`;
        return redis.spendNonce(nonceKey, key, nonceTtlMs, perParticipant.windowMs);
      },
      checkParticipant(participantId, count) {
        if (count > perParticipant.max) {
          limited.inc({ scope: 'participant' });
          throw refusal(perParticipant, `participant ${participantId}`);
        }
      },
    } satisfies ParticipantBudget);
  },
  { name: 'rate-limit' },
);
