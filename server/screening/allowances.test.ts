import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../../rules/test-support/redis.ts';
import { ALLOWANCES_KEY, createAllowances, EXPIRED_KEPT_DAYS } from './allowances.ts';

/** Allowances on a real redis-server: expired ones stay listed for a while, then leave the hash. */
const DAY = 24 * 3600_000;
const officer = { username: 'officer-1', role: 'risk_officer' };

describe('screening allowances in Redis', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('lists an expired allowance for EXPIRED_KEPT_DAYS, then the next addition removes it', async () => {
    let clock = Date.UTC(2026, 0, 1);
    const conn = redis.connect();
    const allowances = await createAllowances(conn, { now: () => clock });
    try {
      const first = await allowances.add({ subject: 'payer:siam-wallet:w-1', entityId: 'e-1', reason: 'namesake', expiresAt: clock + 10 * DAY }, officer);
      expect(first.ok).toBe(true);
      expect(allowances.isAllowed('payer:siam-wallet:w-1', 'e-1', clock + DAY)).toBe(true);
      expect(allowances.isAllowed('payer:siam-wallet:w-1', 'e-1', clock + 11 * DAY)).toBe(false);

      // Expired, still listed for the record.
      clock += 10 * DAY + EXPIRED_KEPT_DAYS * DAY - DAY;
      await allowances.add({ subject: 'payer:siam-wallet:w-2', entityId: 'e-1', reason: 'namesake', expiresAt: clock + 10 * DAY }, officer);
      expect((await allowances.list()).map((a) => a.subject)).toEqual(['payer:siam-wallet:w-2', 'payer:siam-wallet:w-1']);

      // Expired more than EXPIRED_KEPT_DAYS ago: gone from Redis at the next addition; the live one stays.
      clock += 2 * DAY;
      await allowances.add({ subject: 'merchant:m-1', entityId: 'e-2', reason: 'registry checked', expiresAt: clock + 10 * DAY }, officer);
      expect((await allowances.list()).map((a) => a.subject)).toEqual(['merchant:m-1', 'payer:siam-wallet:w-2']);
      expect(await conn.hlen(ALLOWANCES_KEY)).toBe(2);
      expect(allowances.isAllowed('payer:siam-wallet:w-2', 'e-1', clock)).toBe(true);
      expect(allowances.isAllowed('merchant:m-1', 'e-2', clock)).toBe(true);
    } finally {
      await allowances.close();
    }
  });
});
