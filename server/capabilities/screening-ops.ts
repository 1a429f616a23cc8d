import type { ScreeningService } from '../../screening/screening-service.ts';
import screeningAllowanceRoutes from '../routes/screening-allowances.ts';
import { createAllowances, type Allowances } from '../screening/allowances.ts';
import { startRescreening } from '../screening/rescreen-merchants.ts';
import type { Alerting } from './alerting.ts';
import type { Capability } from './capability.ts';
import type { PlatformContext } from './context.ts';
import type { LiveFeed } from './live-feed.ts';

interface ScreeningOpsDeps {
  alerting: Pick<Alerting, 'alerts'>;
  live: Pick<LiveFeed, 'alert'>;
  /** The lists this process matches against, where it has them. */
  screening?: ScreeningService;
}

/**
 * What officers do around screening: false-positive allowances (held in memory wherever
 * screening runs, served where the console is) and merchants screened again whenever the
 * live list versions change, or an allowance does.
 */
export async function startScreeningOps(ctx: PlatformContext, deps: ScreeningOpsDeps): Promise<{ allowances?: Allowances } & Capability> {
  const { screening } = deps;
  if (!screening && !ctx.plan.console) return {};
  const { log } = ctx;
  const allowances = await createAllowances(ctx.redis, {
    audit: ctx.audit,
    onError: (e) => log.error({ err: e.message }, 'screening allowances: not reloaded'),
  });
  screening?.setAllowances(allowances.isAllowed);

  const rescreening = screening
    ? startRescreening({
        redis: ctx.redis,
        screening,
        alerts: deps.alerting.alerts,
        publish: (kind, alert) => deps.live.alert(kind, alert),
        allowances,
        merchants: ctx.config.file.merchants.map((m) => ({ id: m.id, name: m.name, localName: m.localName })),
        log: ctx.log,
      })
    : undefined;
  return {
    allowances,
    routes: ctx.plan.console ? [(app) => screeningAllowanceRoutes(app, { allowances, audit: ctx.audit })] : [],
    async close() {
      await rescreening?.stop();
      await allowances.close();
    },
  };
}
