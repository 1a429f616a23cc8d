import type { PaymentStatus, SwitchedMessage } from '../../domain/transaction.ts';
import { VELOCITY_ENTITIES, type VelocityEntity } from '../../rules/facts/catalog.ts';
import { amountInCny, isNearThreshold, payerCountry, SMALL_PAYMENT_USD, usdCents, type StoredFacts } from '../../rules/facts/gather.ts';
import { scopedMember, type ListName } from '../../rules/facts/keys.ts';
import { addToRings, BUCKET_MS, emptySums, newRings, readRings, RINGS_IDLE_MS, type ExtraWindow, type Rings, type RingSums } from './velocity-rings.ts';

/**
 * The stored facts of the live velocity store (rules/lua/gatherRiskFacts-14.lua and
 * recordRiskOutcome-8.lua), rebuilt in memory from replayed history. `gather` is the
 * facts script (it counts a payment's attempt first), `record` the post-decision script
 * (approved amounts, profile, last location, refunds). Messages must come in received
 * order. Differences from the live store are listed in docs (analytics/backtest/README.md).
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const PROFILE_SPAN_DAYS = 30;
const PROFILE_TTL_MS = 32 * DAY;

/** One zset of the live store: member -> last attempt, with the key's expiry. */
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

export type ListSnapshot = Readonly<Record<ListName, ReadonlySet<string>>>;

export interface ReplayFacts {
  /** The stored facts of `message` at its receipt, counting it as an attempt first when it is a payment. */
  gather(message: SwitchedMessage): StoredFacts;
  /** What the live store records once the commit decided `status`. */
  record(message: SwitchedMessage, status: PaymentStatus | string): void;
  /** Forgets entities no window can read any more at time `t`; returns how many entities remain. */
  sweep(t: number): number;
}

const RINGS_OF: Record<VelocityEntity, ExtraWindow> = { payer: 3, device: 1, ip: 1, merchant: -1, pair: -1 };

export function createReplayFacts(options: { lists: ListSnapshot; cnyPerUsd: number }): ReplayFacts {
  const velocity: Record<VelocityEntity, Map<string, Rings>> = {
    payer: new Map(), device: new Map(), ip: new Map(), merchant: new Map(), pair: new Map(),
  };
  const payerMerchants = new Map<string, DistinctSet>();
  const merchantPayers = new Map<string, DistinctSet>();
  const walletDevices = new Map<string, DistinctSet>();
  const payerProfiles = new Map<string, Profile>();
  const merchantProfiles = new Map<string, Profile>();

  const keysOf = (m: SwitchedMessage) => {
    const payer = scopedMember(m.participant, m.payer.walletId);
    return {
      payer,
      device: m.payer.deviceId ? scopedMember(m.participant, m.payer.deviceId) : undefined,
      ip: m.payer.ip || undefined,
      merchant: m.merchant.id,
      pair: `${payer}|${m.merchant.id}`,
    };
  };

  function rings(entity: VelocityEntity, key: string): Rings {
    let r = velocity[entity].get(key);
    if (!r) velocity[entity].set(key, (r = newRings(RINGS_OF[entity])));
    return r;
  }

  /** ZADD GT + prune + PEXPIRE when counting, then ZCOUNT over the window, as `distinct()` in the facts script. */
  function distinct(
    sets: Map<string, DistinctSet>,
    key: string,
    member: string | undefined,
    t: number,
    windowMs: number,
    keepMs: number,
    slackMs: number,
    renew: boolean,
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
      if (previous === undefined || t > previous) set.lastSeen.set(member, t);
      if (added) for (const [m, seen] of set.lastSeen) if (seen < t - keepMs) set.lastSeen.delete(m);
      if (added || renew) set.expiresAt = t + keepMs + slackMs;
    }
    let count = 0;
    if (set) for (const seen of set.lastSeen.values()) if (seen >= t - windowMs) count++;
    return { count, added, size: set?.lastSeen.size ?? 0 };
  }

  /** The 30-day totals of a profile read at `t`: the day of `t` and the 30 before. */
  function profileTotals(profiles: Map<string, Profile>, key: string, t: number): (DayTotals & { last?: Profile['last'] }) {
    const totals = { n: 0, s: 0, q: 0, m: 0, r: 0 };
    const p = profiles.get(key);
    if (!p) return totals;
    if (p.expiresAt <= t) {
      profiles.delete(key);
      return totals;
    }
    const lo = Math.floor(t / DAY) - PROFILE_SPAN_DAYS;
    for (const [day, d] of p.days) {
      if (day < lo) {
        p.days.delete(day);
        continue;
      }
      totals.n += d.n;
      totals.s += d.s;
      totals.q += d.q;
      totals.r += d.r;
      if (d.m > totals.m) totals.m = d.m;
    }
    return p.last ? { ...totals, last: p.last } : totals;
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
    // The live script refreshes the profile's expiry when a series it adds to starts a new
    // day (payments always add n, refunds r: either is 0 exactly when its day is new).
    if ((add.n !== undefined && day.n === 0) || (add.r !== undefined && day.r === 0)) p.expiresAt = t + PROFILE_TTL_MS;
    day.n += add.n ?? 0;
    day.s += add.s ?? 0;
    day.q += add.q ?? 0;
    day.r += add.r ?? 0;
    if (add.m !== undefined && add.m > day.m) day.m = add.m;
    if (location) p.last = { lat: location.lat, lon: location.lon, at: t };
  }

  const has = (list: ListName, member: string) => options.lists[list].has(member);

  return {
    gather(m) {
      const t = m.receivedAt;
      const counting = m.messageType === 'payment';
      const k = keysOf(m);
      const small = usdCents(m.amountUsd) / 100 < SMALL_PAYMENT_USD ? 1 : undefined;
      const sums = {} as Record<VelocityEntity, RingSums>;
      let payerNewDay = false;
      let merchantNewHour = false;
      for (const entity of VELOCITY_ENTITIES) {
        const key = k[entity];
        if (key === undefined) {
          sums[entity] = emptySums();
          continue;
        }
        const r = rings(entity, key);
        if (counting) {
          const extra = entity === 'device' || entity === 'ip' ? small : undefined;
          const fresh = addToRings(r, t, { attempts: 1, ...(extra !== undefined ? { extra } : {}) });
          if (entity === 'payer') payerNewDay = fresh.new24h;
          if (entity === 'merchant') merchantNewHour = fresh.new1h;
        }
        sums[entity] = readRings(r, t);
      }
      const member = counting ? m.merchant.id : undefined;
      const merchants = distinct(payerMerchants, k.payer, member, t, DAY, DAY, BUCKET_MS[3]!, payerNewDay);
      const payers = distinct(merchantPayers, k.merchant, counting ? k.payer : undefined, t, HOUR, HOUR, BUCKET_MS[2]!, merchantNewHour);
      const device = m.payer.deviceId;
      const devices = distinct(walletDevices, k.payer, counting && device ? device : undefined, t, DAY, 30 * DAY, BUCKET_MS[3]!, payerNewDay);
      const profile = profileTotals(payerProfiles, k.payer, t);
      const merchant = profileTotals(merchantProfiles, k.merchant, t);

      const velocityFacts = {} as StoredFacts['velocity'];
      for (const entity of VELOCITY_ENTITIES) velocityFacts[entity] = { count: sums[entity].count, amountCents: sums[entity].amountCents };
      return {
        velocity: velocityFacts,
        deviceSmall10m: sums.device.extra,
        ipSmall10m: sums.ip.extra,
        nearThreshold24h: sums.payer.extra,
        merchantsPerPayer24h: merchants.count,
        payersPerMerchant1h: payers.count,
        devicesPerWallet24h: devices.count,
        deviceNew: Boolean(device) && counting && devices.added && devices.size > 1,
        profile: {
          count: profile.n,
          sumCents: profile.s,
          sumSquaresUsd: profile.q,
          maxCents: profile.m,
          refunds: profile.r,
          ...(profile.last ? { last: profile.last } : {}),
        },
        merchant: { sales: merchant.n, refunds: merchant.r },
        lists: {
          payerCountrySanctioned: has('sanctioned-countries', payerCountry(m)),
          merchantCountrySanctioned: has('sanctioned-countries', m.merchant.country),
          mccHighRisk: has('high-risk-mccs', m.merchant.mcc),
          deviceBlocked: device ? has('blocked-devices', scopedMember(m.participant, device)) : false,
          walletBlocked: has('blocked-wallets', scopedMember(m.participant, m.payer.walletId)),
        },
      };
    },

    record(m, status) {
      if (status !== 'APPROVED') return;
      const t = m.receivedAt;
      const k = keysOf(m);
      if (m.messageType !== 'payment') {
        addProfile(payerProfiles, k.payer, t, { r: 1 });
        addProfile(merchantProfiles, k.merchant, t, { r: 1 });
        return;
      }
      const cents = usdCents(m.amountUsd);
      const usd = cents / 100;
      const near = isNearThreshold(usd, amountInCny(m, usd, options.cnyPerUsd)) ? 1 : undefined;
      addToRings(rings('payer', k.payer), t, { cents, ...(near !== undefined ? { extra: near } : {}) });
      if (k.device) addToRings(rings('device', k.device), t, { cents });
      if (k.ip) addToRings(rings('ip', k.ip), t, { cents });
      addToRings(rings('merchant', k.merchant), t, { cents });
      addToRings(rings('pair', k.pair), t, { cents });
      addProfile(payerProfiles, k.payer, t, { n: 1, s: cents, q: usd * usd, m: cents }, m.payer.location);
      addProfile(merchantProfiles, k.merchant, t, { n: 1 });
    },

    sweep(t) {
      let remaining = 0;
      for (const entity of VELOCITY_ENTITIES) {
        for (const [key, r] of velocity[entity]) if (r.lastWriteAt <= t - RINGS_IDLE_MS) velocity[entity].delete(key);
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
  };
}
