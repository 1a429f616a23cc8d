import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, type Registry } from 'prom-client';
import { statusOf } from '../http-errors.ts';
import { createAdmissionLimit, type AdmissionLimit, type AdmissionState, type RiskPressure } from './admission-limit.ts';
import { registeredMetric } from './metrics.ts';

export { DEFAULT_MAX_IN_FLIGHT, DEFAULT_MIN_IN_FLIGHT, type AdmissionState, type RiskPressure } from './admission-limit.ts';

type AdmissionHook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * onRequest hook of the routes that authorise money (payments, refunds, reversals): refuses
     * at once, before the body is read, while the node has its bound in flight and its line is full.
     */
    refuseWhenFull: AdmissionHook;
    /**
     * First preValidation hook of the same routes, before authentication: takes a place for
     * the request, whole now, lets it wait in line for one, or refuses it. Only an admitted
     * request is authenticated and authorised.
     */
    admitAuthorisation: AdmissionHook;
  }
}

/**
 * At most `limit` authorisations in flight per node (server/plugins/admission-limit.ts finds
 * the limit from the answers' latency). Past its capacity a node only queues: every request
 * waits longer in the event loop and in Redis, the risk step misses its deadline and the
 * failure policy decides instead of the rules. The others wait in line or are refused with
 * a retryable 503 OVERLOADED before anything of theirs is spent (nonce, txnId), so the same
 * request can simply be sent again (with a fresh nonce, as always).
 *
 * A place is taken once the whole body has arrived, before authentication: one whose body is
 * still arriving holds none, so slow clients cannot fill the node, and a request that passed
 * the first check never does the work of authentication only to be refused after it. A
 * request that arrives while the node and its line are full is refused before its body is read.
 *
 * A full node first lets a request wait in line, in arrival order, for at most `queueMs` and
 * behind at most LINE_PER_PLACE x maxInFlight others: clients that ignore Retry-After would otherwise send each
 * refused request again at once, and a flood of refusals costs the node CPU its payments
 * need (goodput halved at 5x offered, measured). A place freed goes to the head of the line;
 * a request that waited `queueMs` or finds the line full is refused. The wait is before
 * anything of the request is spent, and outside the time the limit is found from.
 *
 * Refusals come in floods when clients ignore Retry-After, and each one costs the node what
 * an admitted payment could use: the answer is one prepared buffer (no Error, no error
 * handler, no serialiser), and the connection is kept, as a closed one would be opened again
 * at once at a higher cost (accept, a new parser).
 */
export interface AdmissionOptions {
  maxInFlight: number;
  minInFlight?: number;
  /** Longest wait in line for a place, in ms; 0: refuse at once when full. Default DEFAULT_QUEUE_MS. */
  queueMs?: number;
  /** The risk engine's counts, where this node scores payments: misses of its deadline shrink the limit too. */
  pressure?: () => RiskPressure;
  registry: Registry;
}

export const ADJUST_EVERY_MS = 1000;
/** Within the risk deadline's order of magnitude: a payment that waited this long is still worth answering. */
export const DEFAULT_QUEUE_MS = 250;
/**
 * The line holds at most this many per place of maxInFlight: the wait is bounded by queueMs,
 * this only bounds the memory of a flood (a waiting request holds its parsed body).
 */
export const LINE_PER_PLACE = 4;
const OVERLOADED_STATUS = statusOf('OVERLOADED');
const limits = new WeakMap<Registry, AdmissionLimit>();

/** The admission limit of the node whose metrics are `registry`, for /health; undefined where no authorisation routes run. */
export function admissionState(registry: Registry): AdmissionState | undefined {
  return limits.get(registry)?.state();
}

/** The body of a refusal at `limit`, built once per limit value. */
function refusalBodies(): (limit: number) => Buffer {
  let cached = { limit: -1, body: Buffer.alloc(0) };
  return (limit) => {
    if (cached.limit !== limit) {
      const message = `this node is working on ${limit} authorisations already; retry shortly`;
      cached = { limit, body: Buffer.from(JSON.stringify({ error: { code: 'OVERLOADED', message } })) };
    }
    return cached.body;
  };
}

export default fp(
  async function admission(app: FastifyInstance, options: AdmissionOptions) {
    const admission = createAdmissionLimit(options);
    const { registry } = options;
    limits.set(registry, admission);
    const refused = registeredMetric(registry, 'cpg_admission_refused_total', () =>
      new Counter({
        name: 'cpg_admission_refused_total',
        help: 'Authorisations refused with 503 OVERLOADED: the node had its limit in flight (on arrival, or once the body was whole)',
        registers: [registry],
      }),
    );
    const gauge = (name: string, help: string, value: (s: AdmissionState) => number | undefined) =>
      registeredMetric(registry, name, () =>
        new Gauge({
          name,
          help,
          registers: [registry],
          collect() {
            const v = value(admission.state());
            if (v !== undefined) this.set(v);
          },
        }),
      );
    gauge('cpg_authorisations_in_flight', 'Authorisations this node is working on (admitted, not yet answered)', (s) => s.inFlight);
    gauge('cpg_admission_limit', 'Authorisations this node admits at once, as found from the latency of its answers', (s) => s.limit);
    gauge('cpg_admission_rtt_noload_seconds', 'Slow average of the time admitted authorisations take: the node without a queue', (s) =>
      s.rttNoloadMs === undefined ? undefined : s.rttNoloadMs / 1000,
    );
    gauge('cpg_admission_rtt_seconds', 'Mean time the admitted authorisations of the last window took', (s) => (s.rttMs === undefined ? undefined : s.rttMs / 1000));
    gauge('cpg_admission_gradient', 'No-load time over the last window\'s time, in [0.5, 1]: below 1, a queue showed and the limit shrinks', (s) => s.gradient);
    if (options.pressure) {
      const pressure = options.pressure;
      const timer = setInterval(() => admission.adjust(pressure()), ADJUST_EVERY_MS).unref();
      app.addHook('onClose', async () => clearInterval(timer));
    }

    const bodyAt = refusalBodies();
    const refuse = (reply: FastifyReply) => {
      refused.inc();
      void reply.code(OVERLOADED_STATUS).header('retry-after', '1').type('application/json; charset=utf-8').send(bodyAt(admission.limit));
    };
    const queueMs = options.queueMs ?? DEFAULT_QUEUE_MS;
    const line = createWaitingLine();
    const admit = (reply: FastifyReply, done: HookHandlerDoneFunction) => {
      const response = reply.raw;
      const admittedAt = admission.now();
      // 'close' comes once, when the answer was sent or the caller went away. A caller that
      // goes away frees its place at once, though its payment finishes (within the risk
      // deadline and Redis's command timeout): the limit is on the queue, not exact. Only a
      // successful answer measures the node: a refusal (bad signature) takes no time.
      response.once('close', () => {
        admission.leave(response.writableFinished && response.statusCode < 300 ? admittedAt : undefined);
        serveLine();
      });
      done();
    };
    /** Places freed go to the head of the line; those who waited too long are refused. */
    const serveLine = () => {
      const oldest = admission.now() - queueMs;
      for (let next = line.peek(); next && (next.since < oldest || admission.tryEnter()); next = line.peek()) {
        line.shift();
        if (next.since < oldest) refuse(next.reply);
        else admit(next.reply, next.done);
      }
    };
    if (queueMs > 0) {
      // A node that answers nothing (stalled) frees no place: the line is emptied on a clock too.
      const timer = setInterval(serveLine, Math.max(10, queueMs / 4)).unref();
      app.addHook('onClose', async () => clearInterval(timer));
    }
    const lineRoom = LINE_PER_PLACE * options.maxInFlight;
    const lineHasRoom = () => queueMs > 0 && line.length < lineRoom;
    app.decorate('refuseWhenFull', ((_request, reply, done) => {
      if (admission.hasRoom() || lineHasRoom()) done();
      else refuse(reply);
    }) satisfies AdmissionHook);
    app.decorate('admitAuthorisation', ((_request, reply, done) => {
      const response = reply.raw;
      // A caller that left while its body was being parsed: 'close' has come already and
      // would never give a place back. It takes none; its request goes on to be refused or
      // answered into the void, as any whose caller left.
      if (response.closed) return done();
      if (line.length === 0 && admission.tryEnter()) return admit(reply, done);
      if (!lineHasRoom()) return refuse(reply);
      const waiter = { reply, done, since: admission.now() };
      line.push(waiter);
      // A caller that leaves while waiting gives up its place in line.
      response.once('close', () => line.remove(waiter));
    }) satisfies AdmissionHook);
  },
  { name: 'admission' },
);

interface Waiter {
  reply: FastifyReply;
  done: HookHandlerDoneFunction;
  since: number;
}

/** A FIFO of waiting requests: push and shift in O(1) amortised, removal of a leaver by marking. */
function createWaitingLine() {
  let items: Array<Waiter | undefined> = [];
  let head = 0;
  let length = 0;
  const skipLeft = () => {
    while (head < items.length && items[head] === undefined) head++;
    if (head > 1024 && head * 2 > items.length) {
      items = items.slice(head);
      head = 0;
    }
  };
  return {
    get length() {
      return length;
    },
    push(waiter: Waiter) {
      items.push(waiter);
      length++;
    },
    peek(): Waiter | undefined {
      skipLeft();
      return items[head];
    },
    shift() {
      skipLeft();
      if (head < items.length) {
        items[head++] = undefined;
        length--;
      }
    },
    remove(waiter: Waiter) {
      const at = items.indexOf(waiter, head);
      if (at >= 0) {
        items[at] = undefined;
        length--;
      }
    },
  };
}
