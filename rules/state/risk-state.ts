import { VELOCITY_ENTITIES, type VelocityEntity } from '../facts/catalog.ts';
import type { StoredFacts } from '../facts/gather.ts';
import type { Observation } from './observation.ts';
import { addToWindows, freeWindows, lastWriteOfWindows, readWindows, type EntityWindows } from './entity-windows.ts';
import { BUCKET_MS, createRingPool, emptySums, RINGS_IDLE_MS, type ExtraWindow, type RingPool, type RingSums } from './velocity-rings.ts';

/**
 * The velocity, distinct-count and profile state the rules read, in the memory of the
 * process that scores: exact within a node, no round trip. The same implementation serves
 * the live risk step, the deltas of other nodes, the rebuild on start and the backtest, so
 * a replay of history sees the numbers the live rules saw.
 *
 * - velocity: rings per payer, device, IP, merchant and payer-merchant pair (velocity-rings.ts);
 * - distinct counterparts: last attempt per member (a payer's merchants over 24 h, a
 *   merchant's payers over 1 h, a wallet's devices over 30 days), pruned when a member is
 *   added, forgotten a look-back after the owner's last attempt;
 * - profiles: payer and merchant totals per day over the day of a message and the 30
 *   before (count, sum, sum of squares, maximum, refunds), the payer's last location,
 *   forgotten 32 days after their last new day.
 * Messages should come in received order; one a little late (another node's, in its delta
 * batch) counts in its own buckets and days as long as its window still holds them.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const PROFILE_SPAN_DAYS = 30;
const PROFILE_TTL_MS = 32 * DAY;

/** Member -> last attempt, and when the set is forgotten. */
interface DistinctSet {
  lastSeen: Map<string, number>;
  expiresAt: number;
}

interface DayTotals {
  n: number;
  s: number;
  q: number;
  m: number;
  r: number;
}

interface Profile {
  days: Map<number, DayTotals>;
  last?: { lat: number; lon: number; at: number };
  expiresAt: number;
}

/** The stored facts but the lists (those are held apart, see list-snapshot.ts). */
export type VelocityFacts = Omit<StoredFacts, 'lists'>;

export interface RiskStateSize {
  velocity: Record<VelocityEntity, number>;
  distinctSets: number;
  profiles: number;
}

export interface RiskState {
  /** The facts `o` is scored on, counting it as an attempt first when it is a payment. */
  observe(o: Observation): VelocityFacts;
  /** What the commit decided about `o` (approved amounts, profile, location, refunds). */
  record(o: Observation, status: Observation['status']): void;
  /** observe() without reading, then record(): a message scored elsewhere (another node, history). */
  apply(o: Observation): void;
  /** Forgets what no window can read any more at time `t`; returns how many entries remain. */
  sweep(t: number): number;
  size(): RiskStateSize;
  /** The whole state as plain maps and typed arrays (for a snapshot: v8.serialize keeps them as they are). */
  exported(): ExportedRiskState;
}

/** What a snapshot holds of the state; only createRiskState() reads it. */
export interface ExportedRiskState {
  version: 1;
  pool: RingPool;
  velocity: Record<VelocityEntity, Map<string, EntityWindows>>;
  payerMerchants: Map<string, DistinctSet>;
  merchantPayers: Map<string, DistinctSet>;
  walletDevices: Map<string, DistinctSet>;
  payerProfiles: Map<string, Profile>;
  merchantProfiles: Map<string, Profile>;
}

const EXTRA_OF: Record<VelocityEntity, ExtraWindow> = { payer: 3, device: 1, ip: 1, merchant: -1, pair: -1 };

/** A state, empty or as `from` exported it (taken over, not copied). */
export function createRiskState(from?: ExportedRiskState): RiskState {
  const pool = from?.pool ?? createRingPool();
  // Entity key -> its windows: the messages of a quiet entity, or the index of its rings in the pool.
  const velocity: Record<VelocityEntity, Map<string, EntityWindows>> = from?.velocity ?? {
    payer: new Map(), device: new Map(), ip: new Map(), merchant: new Map(), pair: new Map(),
  };
  const payerMerchants = from?.payerMerchants ?? new Map<string, DistinctSet>();
  const merchantPayers = from?.merchantPayers ?? new Map<string, DistinctSet>();
  const walletDevices = from?.walletDevices ?? new Map<string, DistinctSet>();
  const payerProfiles = from?.payerProfiles ?? new Map<string, Profile>();
  const merchantProfiles = from?.merchantProfiles ?? new Map<string, Profile>();

  const keyOf = (o: Observation, entity: VelocityEntity): string | undefined => {
    switch (entity) {
      case 'payer': return o.payer;
      case 'device': return o.device;
      case 'ip': return o.ip;
      case 'merchant': return o.merchant;
      case 'pair': return `${o.payer}|${o.merchant}`;
    }
  };

  function addTo(entity: VelocityEntity, key: string, t: number, add: { attempts?: number; cents?: number; extra?: number }) {
    const map = velocity[entity];
    const before = map.get(key);
    const added = addToWindows(pool, before, EXTRA_OF[entity], t, add);
    if (added.entry !== before) map.set(key, added.entry);
    return added;
  }

  /**
   * Adds `member` (when given) as last seen at `t`; the set is forgotten `keepMs + slackMs`
   * after its last new member or renewal. Members are kept in order of their last attempt
   * (a member seen again moves to the end), so those older than `keepMs` are dropped from
   * the front and, when the window is the look-back, the count is the size: no scan of a
   * merchant's thousands of payers per payment. (Another node's message a few milliseconds
   * late lands a little out of that order: at the window's edge, that is within the
   * cross-node bound.) Returns the members seen within `windowMs` when `read`, and whether
   * `member` was new.
   */
  function distinct(
    sets: Map<string, DistinctSet>,
    key: string,
    member: string | undefined,
    t: number,
    windows: { windowMs: number; keepMs: number; slackMs: number; renew: boolean; read: boolean },
  ): { count: number; added: boolean; size: number } {
    let set = sets.get(key);
    if (set && set.expiresAt <= t) {
      sets.delete(key);
      set = undefined;
    }
    let added = false;
    if (member !== undefined) {
      if (!set) sets.set(key, (set = { lastSeen: new Map(), expiresAt: Infinity }));
      const previous = set.lastSeen.get(member);
      added = previous === undefined;
      if (previous === undefined) set.lastSeen.set(member, t);
      else if (t > previous) {
        set.lastSeen.delete(member);
        set.lastSeen.set(member, t);
      }
      if (added || windows.renew) set.expiresAt = Math.max(set.expiresAt === Infinity ? 0 : set.expiresAt, t + windows.keepMs + windows.slackMs);
    }
    if (!set) return { count: 0, added, size: 0 };
    for (const [m, seen] of set.lastSeen) {
      if (seen >= t - windows.keepMs) break;
      set.lastSeen.delete(m);
    }
    let count = 0;
    if (windows.read) {
      if (windows.windowMs >= windows.keepMs) count = set.lastSeen.size;
      else for (const seen of set.lastSeen.values()) if (seen >= t - windows.windowMs) count++;
    }
    return { count, added, size: set.lastSeen.size };
  }

  /** The 30-day totals of a profile read at `t`: the day of `t` and the 30 before. */
  function profileTotals(profiles: Map<string, Profile>, key: string, t: number): DayTotals & { last?: Profile['last'] } {
    const totals = { n: 0, s: 0, q: 0, m: 0, r: 0 };
    const p = profiles.get(key);
    if (!p) return totals;
    if (p.expiresAt <= t) {
      profiles.delete(key);
      return totals;
    }
    const lo = Math.floor(t / DAY) - PROFILE_SPAN_DAYS;
    const hi = Math.floor(t / DAY);
    for (const [day, d] of p.days) {
      if (day < lo) {
        p.days.delete(day);
        continue;
      }
      // A day after `t` (another node's message, received a little later) is not yet read.
      if (day > hi) continue;
      totals.n += d.n;
      totals.s += d.s;
      totals.q += d.q;
      totals.r += d.r;
      if (d.m > totals.m) totals.m = d.m;
    }
    return p.last && p.last.at <= t ? { ...totals, last: p.last } : totals;
  }

  function addProfile(profiles: Map<string, Profile>, key: string, t: number, add: Partial<DayTotals>, location?: { lat: number; lon: number }) {
    let p = profiles.get(key);
    if (p && p.expiresAt <= t) {
      profiles.delete(key);
      p = undefined;
    }
    if (!p) profiles.set(key, (p = { days: new Map(), expiresAt: Infinity }));
    const dayOf = Math.floor(t / DAY);
    let day = p.days.get(dayOf);
    if (!day) p.days.set(dayOf, (day = { n: 0, s: 0, q: 0, m: 0, r: 0 }));
    // Refreshed when a series it adds to starts a new day (payments always add n, refunds r).
    if ((add.n !== undefined && day.n === 0) || (add.r !== undefined && day.r === 0)) {
      p.expiresAt = Math.max(p.expiresAt === Infinity ? 0 : p.expiresAt, t + PROFILE_TTL_MS);
    }
    day.n += add.n ?? 0;
    day.s += add.s ?? 0;
    day.q += add.q ?? 0;
    day.r += add.r ?? 0;
    if (add.m !== undefined && add.m > day.m) day.m = add.m;
    if (location && (!p.last || t >= p.last.at)) p.last = { lat: location.lat, lon: location.lon, at: t };
  }

  /** Counts `o` (a payment) as an attempt and, when `read`, returns the facts it is scored on. */
  function gather(o: Observation, read: boolean): VelocityFacts | undefined {
    const t = o.t;
    const counting = o.type === 'payment';
    const sums = read ? ({} as Record<VelocityEntity, RingSums>) : undefined;
    let payerNewDay = false;
    let merchantNewHour = false;
    for (const entity of VELOCITY_ENTITIES) {
      const key = keyOf(o, entity);
      if (key === undefined) {
        if (sums) sums[entity] = emptySums();
        continue;
      }
      const extraWindow = EXTRA_OF[entity];
      if (counting) {
        const extra = (entity === 'device' || entity === 'ip') && o.small ? 1 : undefined;
        const fresh = addTo(entity, key, t, { attempts: 1, ...(extra !== undefined ? { extra } : {}) });
        if (entity === 'payer') payerNewDay = fresh.new24h;
        if (entity === 'merchant') merchantNewHour = fresh.new1h;
      }
      const r = velocity[entity].get(key);
      if (sums) sums[entity] = r !== undefined ? readWindows(pool, r, extraWindow, t) : emptySums();
    }
    const merchants = distinct(payerMerchants, o.payer, counting ? o.merchant : undefined, t, { windowMs: DAY, keepMs: DAY, slackMs: BUCKET_MS[3]!, renew: payerNewDay, read });
    const payers = distinct(merchantPayers, o.merchant, counting ? o.payer : undefined, t, { windowMs: HOUR, keepMs: HOUR, slackMs: BUCKET_MS[2]!, renew: merchantNewHour, read });
    const device = counting ? o.device : undefined;
    const devices = distinct(walletDevices, o.payer, device, t, { windowMs: DAY, keepMs: 30 * DAY, slackMs: BUCKET_MS[3]!, renew: payerNewDay, read });
    if (!sums) return undefined;
    const profile = profileTotals(payerProfiles, o.payer, t);
    const merchant = profileTotals(merchantProfiles, o.merchant, t);
    const velocityFacts = {} as VelocityFacts['velocity'];
    for (const entity of VELOCITY_ENTITIES) velocityFacts[entity] = { count: sums[entity].count, amountCents: sums[entity].amountCents };
    return {
      velocity: velocityFacts,
      deviceSmall10m: sums.device.extra,
      ipSmall10m: sums.ip.extra,
      nearThreshold24h: sums.payer.extra,
      merchantsPerPayer24h: merchants.count,
      payersPerMerchant1h: payers.count,
      devicesPerWallet24h: devices.count,
      deviceNew: device !== undefined && devices.added && devices.size > 1,
      profile: {
        count: profile.n,
        sumCents: profile.s,
        sumSquaresUsd: profile.q,
        maxCents: profile.m,
        refunds: profile.r,
        ...(profile.last ? { last: profile.last } : {}),
      },
      merchant: { sales: merchant.n, refunds: merchant.r },
    };
  }

  function record(o: Observation, status: Observation['status']): void {
    if (status !== 'APPROVED') return;
    const t = o.t;
    if (o.type !== 'payment') {
      addProfile(payerProfiles, o.payer, t, { r: 1 });
      addProfile(merchantProfiles, o.merchant, t, { r: 1 });
      return;
    }
    const cents = o.cents;
    const usd = cents / 100;
    addTo('payer', o.payer, t, { cents, ...(o.near ? { extra: 1 } : {}) });
    if (o.device) addTo('device', o.device, t, { cents });
    if (o.ip) addTo('ip', o.ip, t, { cents });
    addTo('merchant', o.merchant, t, { cents });
    addTo('pair', `${o.payer}|${o.merchant}`, t, { cents });
    addProfile(payerProfiles, o.payer, t, { n: 1, s: cents, q: usd * usd, m: cents }, o.location);
    addProfile(merchantProfiles, o.merchant, t, { n: 1 });
  }

  return {
    observe: (o) => gather(o, true)!,
    record,
    apply(o) {
      gather(o, false);
      record(o, o.status);
    },

    sweep(t) {
      let remaining = 0;
      for (const entity of VELOCITY_ENTITIES) {
        for (const [key, entry] of velocity[entity]) {
          if (lastWriteOfWindows(pool, entry) <= t - RINGS_IDLE_MS) {
            velocity[entity].delete(key);
            freeWindows(pool, entry);
          }
        }
        remaining += velocity[entity].size;
      }
      for (const sets of [payerMerchants, merchantPayers, walletDevices]) {
        for (const [key, set] of sets) if (set.expiresAt <= t) sets.delete(key);
        remaining += sets.size;
      }
      for (const profiles of [payerProfiles, merchantProfiles]) {
        for (const [key, p] of profiles) if (p.expiresAt <= t) profiles.delete(key);
        remaining += profiles.size;
      }
      return remaining;
    },

    size() {
      const v = {} as Record<VelocityEntity, number>;
      for (const entity of VELOCITY_ENTITIES) v[entity] = velocity[entity].size;
      return {
        velocity: v,
        distinctSets: payerMerchants.size + merchantPayers.size + walletDevices.size,
        profiles: payerProfiles.size + merchantProfiles.size,
      };
    },

    exported: () => ({ version: 1, pool, velocity, payerMerchants, merchantPayers, walletDevices, payerProfiles, merchantProfiles }),
  };
}
