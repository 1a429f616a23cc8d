import { describe, expect, it } from 'vitest';
import type { ListEntity } from '../../screening/list-entity.ts';
import { testMessage } from '../test-support/messages.ts';
import { sampleScreening } from '../test-support/sample-screening.ts';
import { createMessageScreener } from './screening.ts';

/**
 * The merchant's half of the screening: kept per merchant, names and list versions (a company
 * name is screened once, not at every payment), with the officers' allowances applied at every
 * payment all the same.
 */
const KOMID = 'cpg-sample-komid';

function counted() {
  const live = sampleScreening();
  let checks = 0;
  const check = live.check.bind(live);
  live.check = (name, probe) => {
    checks += 1;
    return check(name, probe);
  };
  return { live, checks: () => checks };
}

describe('merchant screening in the payment', () => {
  it('screens a merchant once per names and list versions, and again when either changes', () => {
    const { live, checks } = counted();
    const screen = createMessageScreener(live);
    const pay = (merchantName: string, merchantAltNames?: string[]) =>
      screen(testMessage({ merchantId: 'm-komid', merchantName, ...(merchantAltNames ? { merchantAltNames } : {}) }));

    for (let i = 0; i < 5; i++) expect(pay('Korea Mining Development Trading Corporation').merchant.sanction?.entityId).toBe(KOMID);
    expect(checks()).toBe(1);

    // The registry renames the merchant: screened again at its next payment.
    expect(pay('Pyongyang Noodle House').merchant.sanction).toBeUndefined();
    expect(checks()).toBe(2);
    // A QR presenting another name in its template 64: every name is screened.
    expect(pay('Pyongyang Noodle House', ['조선광업개발무역회사']).merchant.sanction?.entityId).toBe(KOMID);
    expect(checks()).toBe(4);

    // A new list version: screened again, against it.
    live.install('sample', 2, [] as ListEntity[]);
    expect(pay('Pyongyang Noodle House', ['조선광업개발무역회사']).merchant.sanction).toBeUndefined();
    expect(checks()).toBe(6);
    expect(pay('Pyongyang Noodle House', ['조선광업개발무역회사']).lists).toBe('sample:2');
  });

  it('applies an allowance made after the merchant was screened at its next payment, and stops when it ends', () => {
    const { live, checks } = counted();
    const allowedUntil = new Map<string, number>();
    live.setAllowances((subject, entityId, at) => (allowedUntil.get(`${subject} ${entityId}`) ?? 0) > at);
    const screen = createMessageScreener(live);
    const at = Date.UTC(2026, 11, 7, 12);
    const pay = (minutes: number) => screen(testMessage({ merchantId: 'm-komid', merchantName: 'KOMID', at: at + minutes * 60_000 })).merchant;

    expect(pay(0).sanction?.entityId).toBe(KOMID);
    allowedUntil.set(`merchant:m-komid ${KOMID}`, at + 30 * 60_000);
    expect(pay(1).sanction).toBeUndefined();
    expect(pay(29).sanction).toBeUndefined();
    expect(pay(31).sanction?.entityId).toBe(KOMID);
    // Another merchant of the same name is not covered by it.
    expect(screen(testMessage({ merchantId: 'm-other', merchantName: 'KOMID', at: at + 60_000 })).merchant.sanction?.entityId).toBe(KOMID);
    expect(checks()).toBe(2);
  });

  it('keeps at most maxMerchants, making room by the longest kept', () => {
    const { live, checks } = counted();
    const screen = createMessageScreener(live, { maxMerchants: 10 });
    const pay = (i: number) => screen(testMessage({ merchantId: `m-${i}`, merchantName: `Shop ${i}` }));
    for (let i = 0; i < 10; i++) pay(i);
    expect(checks()).toBe(10);
    pay(9);
    expect(checks()).toBe(10);
    pay(10); // full: the longest kept (m-0) makes room
    expect(checks()).toBe(11);
    pay(1);
    expect(checks()).toBe(11);
    pay(0);
    expect(checks()).toBe(12);
  });
});
