import { Queue, Worker } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import type { BacktestJobs } from '../../analytics/backtest/backtest-jobs.ts';
import { createChangeSets, type Change, type ChangeSet, type ChangeSets } from '../../rules/change-sets.ts';
import type { RuleStore } from '../../rules/index.ts';
import changeSetRoutes from '../routes/change-sets.ts';
import typedListRoutes from '../routes/typed-lists.ts';
import emergencyChangeRoutes from '../routes/change-set-emergency.ts';
import changeSetTrialRoutes from '../routes/change-set-trials.ts';
import { unratifiedChangeAlertOf } from '../../analytics/alerts/unratified-change-alert.ts';
import type { Alerting } from './alerting.ts';
import type { LiveFeed } from './live-feed.ts';
import { createListStore } from '../../rules/lists/list-store.ts';
import { LISTS_CHANNEL } from '../../rules/risk-lists.ts';
import ruleSetRoutes, { ruleSetCompareRoutes } from '../routes/rule-sets.ts';
import { createRuleSetVersions } from '../../rules/rule-set-versions.ts';
import { createComparisonQueue } from '../../analytics/backtest/backtest-jobs.ts';
import { logConnectionErrors } from '../redis-errors.ts';
import { opening, type Capability } from './capability.ts';
import type { PlatformContext } from './context.ts';

export const ACTIVATION_QUEUE = 'change-set-activation';

export type DirectChangeRecorder = (actor: string, title: string, change: Change, ruleSetVersion: string) => Promise<void>;

/**
 * Change sets (docs/rules.md, "Governance"): the routes where the console is, and the
 * activation of sets approved for later, on BullMQ: a delayed job per set (its id the set's,
 * so scheduling twice queues one), run by a worker node at its time, also after a restart
 * (the job is in Redis). The activation script makes a set live once, whoever runs it.
 */
export function startChangeSets(
  ctx: PlatformContext,
  deps: { rules: RuleStore; /** Where this process queues backtests: a set submitted with a window is backtested. */ backtests?: BacktestJobs; alerting: Pick<Alerting, 'alerts'>; live: LiveFeed },
): Promise<{ changeSets: ChangeSets; /** Records a change made through the direct rule routes, to be ratified (raises its alert). */ recordDirect: DirectChangeRecorder } & Capability> {
  return opening(async (closers) => {
    const { log, audit } = ctx;
    const lists = createListStore(ctx.redis, { channel: LISTS_CHANNEL });
    const changeSets = createChangeSets(ctx.redis, deps.rules, { lists });
    const connection = logConnectionErrors(new Redis(ctx.redisUrl, { maxRetriesPerRequest: null }), 'change set activation', log);
    closers.add(() => connection.quit().then(() => undefined, () => undefined));
    const queue = new Queue(ACTIVATION_QUEUE, { connection });
    closers.add(() => queue.close());
    const schedule = async (id: string, activateAt: number) => {
      await queue.add('activate', { id }, { jobId: id, delay: Math.max(0, activateAt - Date.now()), attempts: 10, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { count: 1000 }, removeOnFail: { count: 1000 } });
    };
    /** A shadow period ends at its time: a delayed job (one per set), whoever runs it. */
    const endTrialAt = async (id: string, until: number) => {
      await queue.add('trial-end', { id, until }, { jobId: `trial-end-${id}-${until}`, delay: Math.max(0, until - Date.now()), attempts: 10, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { count: 1000 }, removeOnFail: { count: 1000 } });
    };
    /** A set live without a second officer: its alert now, and a job at its due time that raises the overdue one if it is still not ratified. */
    const unratified = async (set: ChangeSet) => {
      const raised = await deps.alerting.alerts.raiseMonitor(unratifiedChangeAlertOf(set, 'live'));
      if (raised) deps.live.alert(raised.kind === 'created' ? 'created' : 'updated', raised.alert);
      const due = Date.parse(set.ratifyBy);
      await queue.add('ratify-due', { id: set.id }, { jobId: `ratify-due-${set.id}`, delay: Math.max(0, due - Date.now()), attempts: 10, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { count: 1000 }, removeOnFail: { count: 1000 } });
    };
    const recordDirect: DirectChangeRecorder = async (actor, title, change, ruleSetVersion) => {
      const set = await changeSets.recordDirect(actor, title, change, ruleSetVersion);
      await unratified(set).catch((e: unknown) => log.error({ changeSet: set.id, err: (e as Error).message }, 'unratified change alert not raised'));
    };
    if (ctx.plan.webhookWorker) {
      const worker = new Worker<{ id: string; until?: number }>(
        ACTIVATION_QUEUE,
        async (job) => {
          if (job.name === 'trial-end') {
            // Only the period this job was queued for: a set sent back and submitted again runs a new one.
            if (await changeSets.endTrial(job.data.id, job.data.until!)) log.info({ changeSet: job.data.id }, 'shadow period ended');
            return;
          }
          if (job.name === 'ratify-due') {
            const set = await changeSets.get(job.data.id);
            if (!set?.emergency || set.approvedBy !== '') return;
            const raised = await deps.alerting.alerts.raiseMonitor(unratifiedChangeAlertOf(set, 'overdue'));
            if (raised) deps.live.alert(raised.kind === 'created' ? 'created' : 'updated', raised.alert);
            log.warn({ changeSet: set.id }, 'change set live without approval past its due time');
            return;
          }
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
    const versions = createRuleSetVersions(ctx.redis, deps.rules, changeSets, { review: ctx.config.file.risk.reviewAt, decline: ctx.config.file.risk.declineAt });
    // Comparisons are accepted where backtests are (the nodes reading ClickHouse), on their queue.
    const comparisons = ctx.plan.clickhouseApi ? createComparisonQueue(connection) : undefined;
    if (comparisons) closers.add(() => comparisons.close());
    const ruleSets = [
      ...(ctx.plan.console ? [(app: FastifyInstance) => ruleSetRoutes(app, { versions, changeSets, audit })] : []),
      ...(comparisons ? [(app: FastifyInstance) => ruleSetCompareRoutes(app, { versions, comparisons, audit })] : []),
    ];
    return {
      changeSets,
      recordDirect,
      routes: [
        ...ruleSets,
        ...(ctx.plan.console
          ? [
              (app: FastifyInstance) => changeSetRoutes(app, { changeSets, audit, schedule, rules: deps.rules, backtests: deps.backtests, endTrialAt }),
              (app: FastifyInstance) => emergencyChangeRoutes(app, { changeSets, audit, unratified }),
              ...(ctx.clickhouse ? [(app: FastifyInstance) => changeSetTrialRoutes(app, { changeSets, clickhouse: ctx.clickhouse!.client, database: ctx.config.clickhouseDatabase })] : []),
              (app: FastifyInstance) => typedListRoutes(app, { lists, changeSets, audit }),
            ]
          : []),
      ],
    };
  });
}
