import { describe, expect, it } from 'vitest';
import { newPaymentId } from './payment-id.ts';

describe('newPaymentId', () => {
  it('is prefix, time in base 36, then 80 random bits, never repeated across refills of its random pool', () => {
    const ids = Array.from({ length: 5000 }, () => newPaymentId('payment', 1_795_600_000_000));
    for (const id of ids.slice(0, 3)) expect(id).toMatch(/^pay_[0-9a-z]{9}[A-Za-z0-9_-]{14}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // No id is all zero bytes (a pool handed out before it was filled).
    expect(ids.some((id) => id.endsWith('A'.repeat(14)))).toBe(false);
  });

  it('sorts by time and names the message type', () => {
    expect(newPaymentId('refund', 2000) < newPaymentId('refund', 3000)).toBe(true);
    expect(newPaymentId('refund').startsWith('rfd_')).toBe(true);
    expect(newPaymentId('reversal').startsWith('rev_')).toBe(true);
  });
});
