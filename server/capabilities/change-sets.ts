import { Queue, Worker } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { createChangeSets, type ChangeSets } from '../../rules/change-sets.ts';
import type { RuleStore } from '../../rules/index.ts';
import changeSetRoutes from '../routes/change-sets.ts';
import { logConnectionErrors } from '../redis-errors.ts';
import { opening, type Capability } from './capability.ts';
import type { PlatformContext } from './context.ts';

export const ACTIVATION_QUEUE = 'change-set-activation';

/**
 * Change sets (docs/rules.md, "Governance"): the routes where the console is, and the
 * activation of sets approved for later, on BullMQ: a delayed job per set (its id the set's,
 * so scheduling twice queues one), run by a worker node at its time, also after a restart
 * (the job is in Redis). The activation script makes a set live once, whoever runs it.
 */
export function startChangeSets(ctx: PlatformContext, deps: { rules: RuleStore }): Promise<{ changeSets: ChangeSets } & Capability> {
  return opening(async (closers) => {
    const { log, audit } = ctx;
    const changeSets = createChangeSets(ctx.redis, deps.rules);
    const connection = logConnectionErrors(new Redis(ctx.redisUrl, { maxRetriesPerRequest: null }), 'change set activation', log);
    closers.add(() => connection.quit().then(() => undefined, () => undefined));
    const queue = new Queue(ACTIVATION_QUEUE, { connection });
    closers.add(() => queue.close());
    const schedule = async (id: string, activateAt: number) => {
      await queue.add('activate', { id }, { jobId: id, delay: Math.max(0, activateAt - Date.now()), attempts: 10, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { count: 1000 }, removeOnFail: { count: 1000 } });
    };
    if (ctx.plan.webhookWorker) {
      const worker = new Worker<{ id: string }>(
        ACTIVATION_QUEUE,
        async (job) => {
          const activated = await changeSets.activate(job.data.id);
          const outcome = activated.ok ? 'ok' : 'denied';
          await audit.record({ actor: 'system', actorRole: 'system', action: 'changeset.activate', target: job.data.id, outcome, details: activated.ok ? { ruleSetVersion: activated.value.ruleSetVersion } : { code: activated.error.code, message: activated.error.message } });
          if (activated.ok) log.info({ changeSet: job.data.id, ruleSetVersion: activated.value.ruleSetVersion }, 'scheduled change set live');
          else log.warn({ changeSet: job.data.id, code: activated.error.code, err: activated.error.message }, 'scheduled change set not made live');
        },
        { connection, concurrency: 1 },
      );
      worker.on('failed', (job, e) => log.warn({ changeSet: job?.data.id, err: e.message }, 'change set activation failed; retried'));
      closers.add(() => worker.close());
    }
    return {
      changeSets,
      routes: ctx.plan.console ? [(app: FastifyInstance) => changeSetRoutes(app, { changeSets, audit, schedule })] : [],
    };
  });
}
