import type { Redis } from 'ioredis';
import { SCHEDULE_ID, type ReportSchedule } from './schedule.ts';

/** Every schedule is one field of this hash (id -> JSON): the source of truth BullMQ mirrors. */
export const SCHEDULES_KEY = 'reports:schedules';

export interface ScheduleStore {
  list(): Promise<ReportSchedule[]>;
  get(id: string): Promise<ReportSchedule | undefined>;
  put(schedule: ReportSchedule): Promise<void>;
  /** True when there was one to remove. */
  remove(id: string): Promise<boolean>;
}

export function createScheduleStore(redis: Redis): ScheduleStore {
  return {
    async list() {
      const all = await redis.hgetall(SCHEDULES_KEY);
      return Object.entries(all)
        .filter(([id]) => SCHEDULE_ID.test(id))
        .map(([, json]) => JSON.parse(json) as ReportSchedule)
        .sort((a, b) => a.id.localeCompare(b.id));
    },
    async get(id) {
      if (!SCHEDULE_ID.test(id)) return undefined;
      const json = await redis.hget(SCHEDULES_KEY, id);
      return json === null ? undefined : (JSON.parse(json) as ReportSchedule);
    },
    async put(schedule) {
      if (!SCHEDULE_ID.test(schedule.id)) throw new Error('not a schedule id');
      await redis.hset(SCHEDULES_KEY, schedule.id, JSON.stringify(schedule));
    },
    async remove(id) {
      return (await redis.hdel(SCHEDULES_KEY, id)) > 0;
    },
  };
}
