import { isListVersionRecorded, recordListVersion } from '../../analytics/backtest/list-versions.ts';
import { createLiveScreening } from '../../screening/live-screening.ts';
import { inProcessScreening, type ScreeningService } from '../../screening/screening-service.ts';
import { startThreadedScreening } from '../../screening/threaded-screening.ts';
import screeningRoutes from '../routes/screening.ts';
import { startLiveLists, type LiveListsOptions } from '../screening/live-lists.ts';
import { createListStore } from '../screening/list-store.ts';
import { opening, type Capability, type RoutePlugin } from './capability.ts';
import type { PlatformContext } from './context.ts';

export interface ScreeningNode {
  /** The lists this process screens names against, kept current from Redis. */
  screening: ScreeningService;
}

/**
 * Name screening in a process that decides payments or serves the console: the live version
 * of every list installed at start (from Redis, else from the config's files) and on every
 * announcement; on console nodes, the list routes. Where ClickHouse is open, each version
 * that goes live is also recorded there for the backtests.
 */
export function startScreening(ctx: PlatformContext): Promise<ScreeningNode & Capability> {
  return opening(async (closers) => {
    const settings = ctx.config.file.screening;
    const screening =
      settings.matchOn === 'thread'
        ? startThreadedScreening({ threshold: settings.threshold, answerWithinMs: settings.answerWithinMs, log: ctx.log })
        : inProcessScreening(createLiveScreening({ threshold: settings.threshold }));
    closers.add(() => screening.close());
    const store = createListStore(ctx.redis);
    closers.add(() => store.close());
    const lists = await startLiveLists({ ...followOptions(ctx), store, screening });
    closers.add(() => lists.close());
    const routes: RoutePlugin[] = ctx.plan.console
      ? [(app) => screeningRoutes(app, { screening, lists, store, maxListBytes: settings.maxListBytes, audit: ctx.audit, auditRule: ctx.auditRule })]
      : [];
    return { screening, routes };
  });
}

/** In a process with ClickHouse that screens nothing (ingest, worker): records each version that goes live, for the backtests. */
export function startScreeningRecords(ctx: PlatformContext): Promise<Capability> {
  return opening(async (closers) => {
    const store = createListStore(ctx.redis);
    closers.add(() => store.close());
    // No files: seeding the config's lists is for the processes that screen with them.
    const lists = await startLiveLists({ ...followOptions(ctx), files: [], store });
    closers.add(() => lists.close());
    return {};
  });
}

function followOptions(ctx: PlatformContext): Omit<LiveListsOptions, 'store' | 'screening'> {
  const { clickhouse, config } = ctx;
  const database = config.clickhouseDatabase;
  return {
    files: config.file.screening.lists,
    limits: { maxBytes: config.file.screening.maxListBytes },
    log: ctx.log,
    ...(clickhouse
      ? {
          record: {
            has: (name, version) => isListVersionRecorded(clickhouse.client, database, name, version),
            write: (upload, entities) => recordListVersion(clickhouse.client, database, upload, entities),
          },
        }
      : {}),
  };
}
