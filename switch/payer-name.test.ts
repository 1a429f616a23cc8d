import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ConfigFile } from '../server/config/schema.ts';
import type { SwitchDeps } from './deps.ts';
import { createFxTable } from './fx.ts';
import { merchantQr } from './issued-qr.ts';
import { payerNameOf } from './payer-name.ts';
import { preparePayment } from './prepare-payment.ts';
import { createRegistry } from './registry.ts';

const config = JSON.parse(readFileSync(new URL('../config/development.json', import.meta.url), 'utf8')) as ConfigFile;
const participants = config.participants.map((p) => (p.id === 'siam-wallet' ? { ...p, requirePayerName: true } : p));
const registry = createRegistry({ gateway: config.gateway, participants, merchants: config.merchants });
const deps = { registry, fx: createFxTable(config.fx.rates) } as SwitchDeps;
const qr = merchantQr(registry, registry.merchant('m-cn-0001')!);
if (!qr.ok) throw new Error(qr.error.message);
const request = (name?: string) => ({
  txnId: 't-1',
  qr: { payload: qr.value },
  amount: { value: '45.00', currency: 'CNY' },
  payer: { walletId: 'w-1', ...(name === undefined ? {} : { name }) },
});

describe("the payer's name", () => {
  it('is kept in NFC and trimmed: the same name from two keyboards is one string', () => {
    expect(payerNameOf('  Nguye\u0302\u0303n Va\u0306n An\t')).toEqual({ ok: true, value: 'Nguyễn Văn An' });
    expect(payerNameOf(undefined)).toEqual({ ok: true, value: undefined });
  });

  it('holds 1 to 200 characters once normalised, counted as characters, not UTF-16 units', () => {
    expect(payerNameOf('𠀋'.repeat(200))).toMatchObject({ ok: true });
    // 300 code points decomposed, 150 composed: measured after NFC.
    expect(payerNameOf('e\u0301'.repeat(150))).toMatchObject({ ok: true });
    expect(payerNameOf('a'.repeat(201))).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(payerNameOf(' \u3000 ')).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
  });

  it('is required of a wallet configured so, and carried into the prepared payment', () => {
    const refused = preparePayment(deps, 'siam-wallet', request());
    expect(refused).toMatchObject({ ok: false, error: { code: 'PAYER_NAME_REQUIRED' } });
    const prepared = preparePayment(deps, 'siam-wallet', request(' 金正恩 '));
    expect(prepared.ok && prepared.value.payer).toEqual({ walletId: 'w-1', name: '金正恩' });
    // Another wallet may leave it out.
    expect(preparePayment(deps, 'merlion-pay', request()).ok).toBe(true);
  });
});
