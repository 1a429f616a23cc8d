import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Alert, Severity } from '../../analytics/alerts/alert.ts';
import type { AlertStore } from '../../analytics/alerts/alert-store.ts';
import type { RiskReason } from '../../domain/transaction.ts';
import type { IsAllowed, ScreeningHit } from '../../screening/live-screening.ts';
import type { ScreeningService } from '../../screening/screening-service.ts';
import type { Allowances } from './allowances.ts';

/**
 * Merchants screened again against the live lists: when a list version is installed, and at
 * start (the registry is the config's, so a merchant added or renamed arrives with a start).
 * Each hit becomes a monitor-kind alert on the merchant, once per (merchant, entity, list
 * version) however many processes screen: a Redis SET NX claims it first.
 */
export const MERCHANT_SCREENING_RULE_ID = 'screening.merchant';

/** A claim outlives any list version worth re-screening against. */
const CLAIM_TTL_MS = 400 * 24 * 3600_000;
/** A hit on a merchant whose alert is still open counts into it, for as long as it stays open. */
const GROUP_GAP_MS = 365 * 24 * 3600_000;
/** Merchants screened between two turns of the event loop: a pass must not hold up payments. */
const SLICE = 20;
/** How often the live list versions are compared with those the merchants were last screened against. */
export const RESCREEN_POLL_MS = 1000;

export interface ScreenedMerchant {
  id: string;
  name: string;
  /** The name in the merchant's own language (the QR's alternate-language template). */
  localName?: string;
}

/** A merchant hit's reason: what the console names the alert's subject by, and the match itself. */
export interface MerchantHitReason extends RiskReason {
  scope: 'merchant';
  subject: string;
  merchantName: string;
  entityId: string;
  kind: ScreeningHit['kind'];
  matchedName: string;
  list: string;
  version: number;
}

export interface RescreenDeps {
  redis: Redis;
  screening: Pick<ScreeningService, 'check'>;
  alerts: Pick<AlertStore, 'raiseMonitor'>;
  publish(kind: 'created' | 'updated', alert: Alert): void;
  isAllowed: IsAllowed;
  now?: () => number;
}

export const merchantSubject = (merchantId: string) => `merchant:${merchantId}`;
const claimKey = (merchantId: string, hit: ScreeningHit) => `screening:merchant-hit:${merchantId}:${hit.entityId}:${hit.list}:${hit.version}`;

/** The best hit per list entity over the merchant's names. */
export async function merchantHits(screening: Pick<ScreeningService, 'check'>, merchant: ScreenedMerchant): Promise<ScreeningHit[]> {
  const best = new Map<string, ScreeningHit>();
  for (const name of [merchant.name, merchant.localName]) {
    if (!name) continue;
    for (const hit of await screening.check(name)) {
      const key = `${hit.list}\u0000${hit.entityId}`;
      if ((best.get(key)?.score ?? -1) < hit.score) best.set(key, hit);
    }
  }
  return [...best.values()];
}

/** Screens every merchant; returns how many hits there were and the alerts this call raised or counted into. */
export async function rescreenMerchants(deps: RescreenDeps, merchants: readonly ScreenedMerchant[]): Promise<{ hits: number; raised: Alert[] }> {
  const now = deps.now ?? Date.now;
  const raised: Alert[] = [];
  let hits = 0;
  for (const [i, merchant] of merchants.entries()) {
    if (i > 0 && i % SLICE === 0) await yieldToEventLoop();
    for (const hit of await merchantHits(deps.screening, merchant)) {
      hits += 1;
      const at = now();
      // Not claimed: once the allowance is removed or expires, the next pass raises it.
      if (deps.isAllowed(merchantSubject(merchant.id), hit.entityId, at)) continue;
      const key = claimKey(merchant.id, hit);
      if ((await deps.redis.set(key, '1', 'PX', CLAIM_TTL_MS, 'NX')) !== 'OK') continue;
      try {
        const alert = await deps.alerts.raiseMonitor(merchantAlertOf(merchant, hit, at));
        if (alert) {
          deps.publish(alert.kind === 'created' ? 'created' : 'updated', alert.alert);
          raised.push(alert.alert);
        }
      } catch (e) {
        // Unclaimed again, so a later pass raises what this one could not.
        await deps.redis.del(key).catch(() => undefined);
        throw e;
      }
    }
  }
  return { hits, raised };
}

export function merchantAlertOf(merchant: ScreenedMerchant, hit: ScreeningHit, at: number) {
  const sanction = hit.kind === 'sanction' || hit.kind === 'both';
  const severity: Severity = sanction ? 'critical' : 'high';
  const what = hit.kind === 'both' ? 'sanctioned PEP' : sanction ? 'sanctioned' : 'PEP';
  const reason: MerchantHitReason = {
    ruleId: MERCHANT_SCREENING_RULE_ID,
    ruleVersion: 1,
    message: `merchant ${merchant.id} "${merchant.name}" matches ${what} entity ${hit.entityId} ("${hit.matchedName}") on list ${hit.list} version ${hit.version}, score ${hit.score.toFixed(2)}`,
    value: Math.round(hit.score * 1000) / 1000,
    scope: 'merchant',
    subject: merchant.id,
    merchantName: merchant.name,
    entityId: hit.entityId,
    kind: hit.kind,
    matchedName: hit.matchedName,
    list: hit.list,
    version: hit.version,
  };
  return {
    group: `screening:merchant:${merchant.id}:${hit.entityId}`,
    // The claim above already makes the hit count once; the instant keeps the store's own guard from merging versions.
    minute: at,
    // A merchant's screening is the gateway's compliance, not its acquirer's: operators only.
    participant: '',
    merchantId: merchant.id,
    ruleId: MERCHANT_SCREENING_RULE_ID,
    reasons: [reason],
    score: sanction ? 900 : 700,
    severity,
    groupGapMs: GROUP_GAP_MS,
    details: { ...reason, message: undefined },
  };
}

export interface RescreeningDeps extends Omit<RescreenDeps, 'isAllowed' | 'screening'> {
  screening: Pick<ScreeningService, 'check' | 'versionTag'>;
  allowances: Pick<Allowances, 'isAllowed' | 'onChange'>;
  merchants: readonly ScreenedMerchant[];
  log: { info(o: object, m: string): void; error(o: object, m: string): void };
}

/**
 * Screens the merchants whenever the live version tag differs from the one they were last
 * screened against: polled (a string compare a second) rather than hooked into the list
 * loader, so any install (a file, an upload, another node's announcement) counts. Also after
 * an allowance changes, since a removed one lets its hit alert. One pass at a time; a change
 * during a pass makes one more.
 */
export function startRescreening(deps: RescreeningDeps) {
  const { screening, allowances, merchants, log } = deps;
  let screenedTag = '';
  let again = false;
  let pass: Promise<void> | undefined;
  const rescreen = () => {
    again = true;
    pass ??= (async () => {
      while (again) {
        again = false;
        const tag = screening.versionTag();
        if (tag === '') break;
        try {
          const { hits, raised } = await rescreenMerchants({ ...deps, isAllowed: allowances.isAllowed }, merchants);
          screenedTag = tag;
          if (hits > 0) log.info({ lists: tag, merchants: merchants.length, hits, alerts: raised.length }, 'merchants screened again');
        } catch (e) {
          // The tag stays unscreened: the next poll tries again.
          log.error({ err: (e as Error).message, lists: tag }, 'merchant screening failed');
        }
      }
    })().finally(() => (pass = undefined));
  };
  const timer = setInterval(() => {
    if (screening.versionTag() !== screenedTag) rescreen();
  }, RESCREEN_POLL_MS);
  timer.unref();
  allowances.onChange(() => {
    if (screenedTag !== '') rescreen();
  });
  if (screening.versionTag() !== '') rescreen();
  return {
    /** Resolves once the pass under way (if any) has finished. */
    idle: async () => {
      while (pass) await pass;
    },
    async stop() {
      clearInterval(timer);
      again = false;
      await pass;
    },
  };
}
