import type { ClickHouseClient } from '@clickhouse/client';
import type { MonitorConfig } from './monitor-config.ts';

/**
 * What a monitor judges: for each corridor and each participant, the payments (and how many
 * were declined) in the judged minute, and the same counts for every minute around the same
 * time of day on previous days, read from `transactions_per_minute`.
 */
export type MonitorScope = 'corridor' | 'participant';

export interface MinuteCount {
  payments: number;
  declined: number;
}

export interface SubjectSeries {
  scope: MonitorScope;
  /** The corridor ("TH-CN") or the participant id. */
  subject: string;
  current: MinuteCount;
  /**
   * One entry per minute of the window on each previous day the subject had any payment in
   * that window, quiet minutes as zeros: a day before the subject existed is no history,
   * a quiet minute on a day it traded is.
   */
  history: MinuteCount[];
}

export type HistoryWindow = Pick<MonitorConfig, 'historyDays' | 'historyWindowMinutes'>;

export interface MinuteRow {
  at: number;
  participant: string;
  corridor: string;
  payments: number;
  declined: number;
}

const DAY_S = 86_400;

/** The judged minute and its history windows, in one scan of the minute aggregates. */
export async function readMinuteRows(client: ClickHouseClient, database: string, minuteMs: number, window: HistoryWindow): Promise<MinuteRow[]> {
  const minute = Math.floor(minuteMs / 60_000) * 60;
  const w = window.historyWindowMinutes * 60;
  const result = await client.query({
    query: `SELECT toUInt32(toUnixTimestamp(minute)) AS at, toString(participant) AS participant, toString(corridor) AS corridor,
        toUInt32(sum(messages)) AS payments, toUInt32(sumIf(messages, status = 'DECLINED')) AS declined
      FROM ${database}.transactions_per_minute
      WHERE message_type = 'payment'
        AND minute >= toDateTime({from:UInt32}, 'UTC') AND minute <= toDateTime({minute:UInt32}, 'UTC')
        AND (minute = toDateTime({minute:UInt32}, 'UTC')
          OR (minute <= toDateTime({historyTo:UInt32}, 'UTC')
            AND positiveModulo(toInt64(toUnixTimestamp(minute)) - {windowStart:Int64}, ${DAY_S}) < {windowSeconds:UInt32}))
      GROUP BY at, participant, corridor`,
    query_params: {
      minute,
      from: minute - window.historyDays * DAY_S - w,
      historyTo: minute - DAY_S + w,
      windowStart: minute - w,
      windowSeconds: 2 * w + 60,
    },
    format: 'JSONEachRow',
  });
  return result.json<MinuteRow>();
}

/** Per corridor and per participant: the judged minute and its zero-filled history. */
export function seriesOf(rows: MinuteRow[], minuteMs: number, window: HistoryWindow): SubjectSeries[] {
  const minute = Math.floor(minuteMs / 60_000) * 60;
  const subjects = new Map<string, { scope: MonitorScope; subject: string; byMinute: Map<number, MinuteCount> }>();
  const add = (scope: MonitorScope, subject: string, row: MinuteRow) => {
    const key = `${scope}\u0000${subject}`;
    let s = subjects.get(key);
    if (!s) subjects.set(key, (s = { scope, subject, byMinute: new Map() }));
    const c = s.byMinute.get(row.at) ?? { payments: 0, declined: 0 };
    c.payments += Number(row.payments);
    c.declined += Number(row.declined);
    s.byMinute.set(row.at, c);
  };
  for (const row of rows) {
    add('corridor', row.corridor, row);
    add('participant', row.participant, row);
  }
  const w = window.historyWindowMinutes;
  return [...subjects.values()].map(({ scope, subject, byMinute }) => {
    const days = new Set<number>();
    for (const at of byMinute.keys()) {
      const day = Math.round((minute - at) / DAY_S);
      if (day >= 1 && day <= window.historyDays) days.add(day);
    }
    const history: MinuteCount[] = [];
    for (const day of [...days].sort((a, b) => a - b)) {
      for (let k = -w; k <= w; k++) history.push(byMinute.get(minute - day * DAY_S + k * 60) ?? { payments: 0, declined: 0 });
    }
    return { scope, subject, current: byMinute.get(minute) ?? { payments: 0, declined: 0 }, history };
  });
}
