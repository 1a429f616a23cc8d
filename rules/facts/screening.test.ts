import { describe, expect, it } from 'vitest';
import type { ListEntity } from '../../screening/list-entity.ts';
import { inProcessScreening, ScreeningUnavailableError } from '../../screening/screening-service.ts';
import { testMessage } from '../test-support/messages.ts';
import { sampleScreening } from '../test-support/sample-screening.ts';
import { createAsyncMessageScreener, createMessageScreener } from './screening.ts';

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

describe('screening through the service, the payer handed over at arrival', () => {
  function countedService() {
    const { live } = counted();
    const service = inProcessScreening(live);
    const asked: string[] = [];
    const check = service.check.bind(service);
    service.check = (name, probe) => {
      asked.push(name);
      return check(name, probe);
    };
    return { live, service, asked };
  }

  it("collects the payer's match started at arrival instead of matching the name again", async () => {
    const { service, asked } = countedService();
    const screener = createAsyncMessageScreener(service, { handOver: true });
    const message = testMessage({ merchantId: 'm-1', merchantName: 'Pyongyang Noodle House', payerName: '김정은' });
    screener.prescreen(message.payer);
    expect(asked).toEqual(['김정은']);
    const facts = await screener.screen(message);
    expect(facts.payer.sanction?.entityId).toBe('cpg-sample-kim-jong-un');
    expect(asked).toEqual(['김정은', 'Pyongyang Noodle House']);
    // The same payment scored again (a retry of the step) matches the name anew: nothing is left behind.
    await screener.screen(message);
    expect(asked.filter((n) => n === '김정은')).toHaveLength(2);
    // Without a hand-over, the name is matched when the message is scored.
    const other = testMessage({ merchantId: 'm-1', merchantName: 'Pyongyang Noodle House', payerName: 'Somchai Jaidee' });
    expect((await screener.screen(other)).payer).toEqual({});
    expect(asked.at(-1)).toBe('Somchai Jaidee');
    // Matching on this thread, the hand-over is skipped by default: the name is matched when scored.
    const onMain = createAsyncMessageScreener(service);
    const third = testMessage({ merchantId: 'm-1', merchantName: 'Pyongyang Noodle House', payerName: 'Vladimir Putin' });
    onMain.prescreen(third.payer);
    expect(asked.at(-1)).toBe('Somchai Jaidee');
    expect((await onMain.screen(third)).payer.sanction?.entityId).toBe('cpg-sample-vladimir-putin');
    expect(asked.filter((n) => n === 'Vladimir Putin')).toHaveLength(1);
  });

  it('matches again when a list changed between the arrival and the scoring', async () => {
    const { live, service, asked } = countedService();
    const screener = createAsyncMessageScreener(service, { handOver: true });
    const message = testMessage({ merchantId: 'm-2', merchantName: 'Shop', payerName: 'Kim Jong Un' });
    screener.prescreen(message.payer);
    live.install('sample', 2, [] as ListEntity[]);
    const facts = await screener.screen(message);
    expect(facts).toMatchObject({ payer: {}, lists: 'sample:2' });
    expect(asked.filter((n) => n === 'Kim Jong Un')).toHaveLength(2);
  });

  it('rejects when the lists do not answer, so the step can decide as degraded', async () => {
    const { service } = countedService();
    service.check = () => Promise.reject(new ScreeningUnavailableError('stuck'));
    const screener = createAsyncMessageScreener(service, { handOver: true });
    const message = testMessage({ payerName: 'Kim Jong Un' });
    screener.prescreen(message.payer);
    await expect(screener.screen(message)).rejects.toBeInstanceOf(ScreeningUnavailableError);
  });
});
