import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { Counter, type Registry } from 'prom-client';
import { defineScripts } from '../../domain/redis-scripts.ts';
import type { RequestSpend } from '../../switch/request-spend.ts';
import type { RateLimitsConfig, WindowLimit } from '../config/schema.ts';
import { HttpDomainError } from '../http-errors.ts';
import { registeredMetric } from './metrics.ts';

declare module 'fastify' {
  interface FastifyInstance {
    participantBudget: ParticipantBudget;
    /**
     * Counts one request from a client address against its limit; false when it is over.
     * For what reaches the node without fastify's routing: socket.io's handshakes.
     */
    takeAddressBudget(address: string): boolean;
  }
}

export interface RateLimits {
  perIp: WindowLimit;
  perParticipant: WindowLimit;
}

/**
 * Generous on purpose: one address or one participant may use all of a node's capacity
 * (it is built for >= 10,000 authorisations/s), no more. Participants are servers, often
 * sending everything from one egress address, and the benchmarks send everything from
 * loopback, which is counted like any other address: behind a reverse proxy every caller
 * would be the proxy, so exempting it would switch the limit off. With TRUST_PROXY naming
 * the proxies, the address counted is the client's from X-Forwarded-For.
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
  /** The nonce and the budget's counter of this window, for a call that spends them with more (the switch's claim). */
  spendOf(nonceKey: string, participantId: string, nonceTtlMs: number): RequestSpend;
  /** RATE_LIMITED for a participant found over its limit by such a call, counted as the limiter's own refusals. */
  refusal(participantId: string): HttpDomainError;
}

/** Adding to an address's shared count, and spending a nonce with its participant's request (lua/). */
interface RateLimitScripts {
  countRequests(key: string, windowMs: number, requests: number): Promise<number>;
  spendNonce(nonceKey: string, counterKey: string, nonceTtlMs: number, windowMs: number): Promise<number>;
}

function counter(registry: Registry, name: string, help: string, labelNames: string[] = []): Counter<string> {
  return registeredMetric(registry, name, () => new Counter({ name, help, labelNames, registers: [registry] }));
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

/** How often a node adds its addresses' new requests to the shared counts and reads them back. */
export const ADDRESS_SYNC_MS = 50;

/** One address in the current window, as this node sees it. */
interface AddressCount {
  window: number;
  /** The address's requests in the window on every node, as of the last sync. */
  shared: number;
  /** This node's requests not yet added to the shared count. */
  unsent: number;
  /** Requests on their way to Redis in the sync under way. */
  sending: number;
}

/**
 * Fixed-window request limits in Redis, shared by every node: per client address on every
 * route (fastify's own and the not-found handler alike), and per participant on signed
 * requests once their signature and nonce are accepted, so nobody without the secret can
 * spend a participant's budget.
 *
 * The participant is counted by the script that spends the nonce, in the same round trip:
 * lua/spendNonce-2.lua, or for an authorisation the switch's call that also claims its txnId.
 * The address is counted on the node, and every ADDRESS_SYNC_MS the node adds what it
 * counted to the address's shared counter in Redis and reads back the total: one command
 * per active address per sync instead of one per request, on the payment path. A request
 * is refused when the shared total plus this node's unsent requests pass the limit. One
 * node is exact; with several, a node learns the others' requests when it next sends its
 * own, so an address can pass the limit by what the other nodes took since then. The
 * limit is for the whole platform; behind a load balancer set TRUST_PROXY, or every caller
 * counts as the balancer's address. When Redis does not answer, each node keeps
 * limiting on its own count, and the failed syncs are counted in /metrics.
 */
export default fp(
  async function rateLimit(app: FastifyInstance, options: { redis: Redis; limits: RateLimits; registry: Registry; syncMs?: number }) {
    const redis = defineScripts<RateLimitScripts>(options.redis, new URL('./lua/', import.meta.url));
    const { perIp, perParticipant } = options.limits;
    const limited = counter(options.registry, 'cpg_rate_limited_total', 'Requests refused with 429 RATE_LIMITED, by the limit they hit', ['scope']);
    const unavailable = counter(
      options.registry,
      'cpg_rate_limit_unavailable_total',
      "Syncs of the address counts that Redis did not answer (each node then limits on its own count)",
    );
    const addresses = new Map<string, AddressCount>();
    const windowNow = () => Math.floor(Date.now() / perIp.windowMs);

    const sync = () => {
      const window = windowNow();
      for (const [ip, count] of addresses) {
        if (count.window < window) {
          if (count.sending === 0) addresses.delete(ip);
          continue;
        }
        if (count.unsent === 0 || count.sending > 0) continue;
        if (redis.status !== 'ready') {
          unavailable.inc();
          continue;
        }
        const sent = count.unsent;
        count.unsent = 0;
        count.sending = sent;
        redis.countRequests(`ratelimit:ip:${ip}:${count.window}`, perIp.windowMs, sent).then(
          (total) => {
            count.sending = 0;
            count.shared = Math.max(count.shared, total);
          },
          () => {
            // Not counted in Redis: this node keeps them as its own.
            count.sending = 0;
            count.shared += sent;
            unavailable.inc();
          },
        );
      }
    };
    const timer = setInterval(sync, options.syncMs ?? ADDRESS_SYNC_MS);
    timer.unref();
    app.addHook('onClose', async () => clearInterval(timer));

    const takeAddressBudget = (address: string): boolean => {
      const window = windowNow();
      let count = addresses.get(address);
      if (count === undefined || count.window !== window) {
        count = { window, shared: 0, unsent: 0, sending: 0 };
        addresses.set(address, count);
      }
      count.unsent++;
      if (count.shared + count.sending + count.unsent > perIp.max) {
        limited.inc({ scope: 'ip' });
        return false;
      }
      return true;
    };
    app.decorate('takeAddressBudget', takeAddressBudget);
    app.addHook('onRequest', (request, _reply, done) => {
      if (!takeAddressBudget(request.ip)) {
        done(refusal(perIp, 'this address'));
        return;
      }
      done();
    });
    const budgetKey = (participantId: string) => `ratelimit:participant:${participantId}:${Math.floor(Date.now() / perParticipant.windowMs)}`;
    const participantRefusal = (participantId: string) => {
      limited.inc({ scope: 'participant' });
      return refusal(perParticipant, `participant ${participantId}`);
    };
    app.decorate('participantBudget', {
      spendNonce(nonceKey, participantId, nonceTtlMs) {
        return redis.spendNonce(nonceKey, budgetKey(participantId), nonceTtlMs, perParticipant.windowMs);
      },
      checkParticipant(participantId, count) {
        if (count > perParticipant.max) throw participantRefusal(participantId);
      },
      spendOf(nonceKey, participantId, nonceTtlMs) {
        return { nonceKey, nonceTtlMs, budgetKey: budgetKey(participantId), budgetWindowMs: perParticipant.windowMs, budgetMax: perParticipant.max };
      },
      refusal: participantRefusal,
    } satisfies ParticipantBudget);
  },
  { name: 'rate-limit' },
);
