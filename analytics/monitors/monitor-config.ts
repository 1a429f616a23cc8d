/**
 * How the minute monitors judge a corridor or a participant: how much history, how much
 * traffic before anything is judged, and how far from its history a minute must lie.
 * Validated at start-up by server/config/schema.ts (`monitors`), defaults below.
 */
export interface MonitorConfig {
  enabled: boolean;
  /** Seconds after a minute ends before it is judged: the ingest writer's allowance. */
  settleSeconds: number;
  /** Previous days whose same time of day forms the history. */
  historyDays: number;
  /** Minutes either side of the judged minute's time of day, on each previous day. */
  historyWindowMinutes: number;
  /** Fewer history minutes than this: the subject is not judged. */
  minHistoryPoints: number;
  /** Volume is judged when the minute or its history median reaches this; decline rate when the minute does. */
  minVolume: number;
  /** Both scores must reach their threshold: |z-score| and the MAD-based robust score. */
  zScoreThreshold: number;
  robustScoreThreshold: number;
  /** An abnormal minute within this many minutes of the last one counts into the same alert. */
  groupGapMinutes: number;
}

export const DEFAULT_MONITORS: MonitorConfig = {
  enabled: true,
  settleSeconds: 15,
  historyDays: 14,
  historyWindowMinutes: 30,
  minHistoryPoints: 300,
  minVolume: 20,
  zScoreThreshold: 3,
  robustScoreThreshold: 3.5,
  groupGapMinutes: 5,
};
