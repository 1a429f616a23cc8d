import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, type Registry } from 'prom-client';
import { statusOf } from '../http-errors.ts';
import { registeredMetric } from './metrics.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * onRequest hook of the routes that authorise money (payments, refunds, reversals): refuses
     * at once, before the body is read, while the node has its bound in flight already.
     */
    refuseWhenFull: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;
    /**
     * preHandler hook of the same routes: takes a place for the whole, authenticated, valid
     * request, or refuses it. Only an admitted request is authorised.
     */
    admitAuthorisation: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;
  }
}

/**
 * How many authorisations one node works on at once. Past its capacity a node only queues:
 * every request waits longer in the event loop and in Redis, the risk step misses its
 * deadline and the failure policy decides instead of the rules (RISK_DEGRADED). Bounding the
 * requests in flight keeps that queue short: the ones admitted are scored in full, the
 * others are refused at once with a retryable 503 OVERLOADED before their txnId is claimed,
 * so the same request can simply be sent again (with a fresh nonce, as always).
 *
 * A place is taken only for a whole request, authenticated and valid: one whose body is still
 * arriving holds none, so slow or unauthenticated clients cannot fill the node. A request that
 * arrives while the node is full is refused before its body is read (a flood is shed at the
 * cost of its headers); one that finds the node full only once it is whole is refused then.
 *
 * The bound adapts to what the node can do (additive increase, multiplicative decrease, as
 * TCP does with its window): when more than MAX_LATE_SHARE of the payments scored in the
 * last ADJUST_EVERY_MS missed the risk deadline, the bound shrinks by a quarter (not below
 * `minInFlight`); when the node used its whole bound without such misses, it grows by
 * GROW_BY (up to `maxInFlight`). The bound is per node; more switch nodes admit more.
 */
export const DEFAULT_MAX_IN_FLIGHT = 64;
export const DEFAULT_MIN_IN_FLIGHT = 16;
export const ADJUST_EVERY_MS = 1000;
export const MAX_LATE_SHARE = 0.05;
const SHRINK_TO = 0.75;
const GROW_BY = 2;
/** Fewer scored payments than this in a period say nothing about lateness. */
const MIN_SAMPLE = 20;

/** Cumulative counts from the risk engine: payments scored, and those that missed the deadline. */
export interface RiskPressure {
  scored: number;
  late: number;
}

export interface AdmissionLimit {
  /** Takes a place if one is free. */
  tryEnter(): boolean;
  /** Whether a place is free now, without taking it; counts as a refusal for the bound's growth when none is. */
  hasRoom(): boolean;
  leave(): void;
  /** One adjustment period ended: looks at the risk engine's counts since the last one. */
  adjust(pressure: RiskPressure): void;
  readonly inFlight: number;
  readonly limit: number;
}

export function createAdmissionLimit(options: { maxInFlight: number; minInFlight?: number }): AdmissionLimit {
  const max = options.maxInFlight;
  const min = Math.min(options.minInFlight ?? DEFAULT_MIN_IN_FLIGHT, max);
  if (!(Number.isInteger(max) && max >= 1)) throw new Error(`maxInFlight must be a whole number >= 1, got ${max}`);
  if (!(Number.isInteger(min) && min >= 1)) throw new Error(`minInFlight must be a whole number >= 1, got ${min}`);
  let limit = max;
  let inFlight = 0;
  let full = false;
  let last: RiskPressure | undefined;
  return {
    tryEnter() {
      if (inFlight >= limit) {
        full = true;
        return false;
      }
      inFlight++;
      if (inFlight >= limit) full = true;
      return true;
    },
    hasRoom() {
      if (inFlight < limit) return true;
      full = true;
      return false;
    },
    leave() {
      inFlight--;
    },
    adjust(pressure) {
      const scored = pressure.scored - (last?.scored ?? pressure.scored);
      const late = pressure.late - (last?.late ?? pressure.late);
      last = { ...pressure };
      if (scored >= MIN_SAMPLE && late > MAX_LATE_SHARE * scored) {
        limit = Math.max(min, Math.floor(limit * SHRINK_TO));
      } else if (full) {
        limit = Math.min(max, limit + GROW_BY);
      }
      full = inFlight >= limit;
    },
    get inFlight() {
      return inFlight;
    },
    get limit() {
      return limit;
    },
  };
}

export interface AdmissionOptions {
  maxInFlight: number;
  minInFlight?: number;
  /** The risk engine's counts, where this node scores payments; without it the bound stays at maxInFlight. */
  pressure?: () => RiskPressure;
  registry: Registry;
}

const OVERLOADED_STATUS = statusOf('OVERLOADED');

export default fp(
  async function admission(app: FastifyInstance, options: AdmissionOptions) {
    const admission = createAdmissionLimit(options);
    const { registry } = options;
    const refused = registeredMetric(registry, 'cpg_admission_refused_total', () =>
      new Counter({
        name: 'cpg_admission_refused_total',
        help: 'Authorisations refused with 503 OVERLOADED: the node had its bound in flight (on arrival, or once the request was whole)',
        registers: [registry],
      }),
    );
    registeredMetric(registry, 'cpg_authorisations_in_flight', () =>
      new Gauge({ name: 'cpg_authorisations_in_flight', help: 'Authorisations this node is working on (admitted, not yet answered)', registers: [registry], collect() { this.set(admission.inFlight); } }),
    );
    registeredMetric(registry, 'cpg_admission_limit', () =>
      new Gauge({ name: 'cpg_admission_limit', help: 'Authorisations this node admits at once, as adapted to the risk deadline', registers: [registry], collect() { this.set(admission.limit); } }),
    );
    if (options.pressure) {
      const pressure = options.pressure;
      const timer = setInterval(() => admission.adjust(pressure()), ADJUST_EVERY_MS).unref();
      app.addHook('onClose', async () => clearInterval(timer));
    }

    // Refusals come in floods when the node is past its capacity: each is answered here,
    // without building an Error (its stack) and going through the error handler.
    const refuse = (reply: FastifyReply) => {
      refused.inc();
      return reply
        .code(OVERLOADED_STATUS)
        .header('retry-after', '1')
        .send({ error: { code: 'OVERLOADED', message: `this node is working on ${admission.limit} authorisations already; retry shortly` } });
    };
    app.decorate('refuseWhenFull', async (_request: FastifyRequest, reply: FastifyReply) => (admission.hasRoom() ? undefined : refuse(reply)));
    app.decorate('admitAuthorisation', async (_request: FastifyRequest, reply: FastifyReply) => {
      // A caller that left while its request was being authenticated: 'close' has come
      // already and would never give a place back. It holds none, as a caller that leaves
      // later gives its place back at once; its payment still finishes.
      if (reply.raw.closed) return undefined;
      if (!admission.tryEnter()) return refuse(reply);
      // 'close' comes once, when the answer was sent or the caller went away. A caller that
      // goes away frees its place at once, though its payment finishes (within the risk
      // deadline and Redis's command timeout): the bound is on the queue, not exact.
      reply.raw.once('close', () => admission.leave());
      return undefined;
    });
  },
  { name: 'admission' },
);
