import { describe, expect, it } from 'vitest';
import { verdictFromClickHouse, verdictFromHealth } from './ingest-check.ts';

describe('soak ingest verdict', () => {
  it('is exact from /health only when every answer was a 2xx', () => {
    expect(verdictFromHealth(100, 100, 0).everyAnsweredPaymentIngested).toBe(true);
    expect(verdictFromHealth(103, 100, 5).everyAnsweredPaymentIngested).toBeNull();
    expect(verdictFromHealth(99, 100, 5).everyAnsweredPaymentIngested).toBe(false);
  });

  it('counts distinct payments in ClickHouse against the 2xx answers', () => {
    expect(verdictFromClickHouse({ paymentRows: 100, paymentTxns: 100, rejectedRows: 3 }, 100, 0).everyAnsweredPaymentIngested).toBe(true);
    expect(verdictFromClickHouse({ paymentRows: 99, paymentTxns: 99, rejectedRows: 0 }, 100, 0).everyAnsweredPaymentIngested).toBe(false);
    expect(verdictFromClickHouse({ paymentRows: 101, paymentTxns: 101, rejectedRows: 0 }, 100, 2).everyAnsweredPaymentIngested).toBeNull();
  });
});
