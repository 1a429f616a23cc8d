import { describe, expect, it } from 'vitest';
import { planOf, ROLES } from './roles.ts';

describe('what each role runs', () => {
  it('splits the platform so that every part runs somewhere, and ClickHouse work runs where ClickHouse is', () => {
    for (const server of [false, true]) {
      const plans = ROLES.filter((r) => r !== 'all').map((r) => ({ role: r, ...planOf(r, server) }));
      const where = (k: keyof ReturnType<typeof planOf>) => plans.filter((p) => p[k]).map((p) => p.role);
      expect(where('switch')).toEqual(['switch']);
      expect(where('ingest')).toEqual(['ingest']);
      expect(where('console')).toEqual(['console']);
      expect(where('webhookWorker')).toEqual(['worker']);
      // Embedded: the ingest node holds the data, so it serves and runs the ClickHouse work.
      expect(where('clickhouseApi')).toEqual(server ? ['console'] : ['ingest']);
      expect(where('clickhouseJobs')).toEqual(server ? ['worker'] : ['ingest']);
      expect(where('clickhouse')).toEqual(server ? ['ingest', 'worker', 'console'] : ['ingest']);
      // Switch nodes touch only Redis.
      expect(planOf('switch', server).clickhouse).toBe(false);
    }
    expect(Object.values(planOf('all', false)).every(Boolean)).toBe(true);
  });
});
