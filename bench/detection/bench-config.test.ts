import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateConfigFile } from '../../server/config/load.ts';
import type { ConfigFile } from '../../server/config/schema.ts';
import { benchMerchants, HIGH_RISK_PREFIX, writeBenchConfig } from './bench-config.ts';

const base = JSON.parse(readFileSync('config/development.json', 'utf8')) as ConfigFile;
const own = ['bench-own-0001', 'bench-own-0002'];

describe('bench config', () => {
  it('is the development config plus the bench merchants, valid for the platform', () => {
    const bench = writeBenchConfig('config/development.json', { ownMerchantIds: own, highRiskMccs: ['7995', '6051'] });
    try {
      const written = JSON.parse(readFileSync(bench.file, 'utf8')) as ConfigFile;
      expect(() => validateConfigFile(written)).not.toThrow();
      expect(written.participants).toEqual(base.participants);
      expect(written.merchants.slice(0, base.merchants.length)).toEqual(base.merchants);
      expect([...bench.own.keys()]).toEqual(own);
      expect(bench.established.map((m) => m.id)).toEqual(base.merchants.map((m) => m.id));
    } finally {
      bench.remove();
    }
    expect(existsSync(bench.file)).toBe(false);
  });

  it('puts merchants of their own in the home market, and high-risk ones in every site with an FX rate', () => {
    const extra = benchMerchants(base, own, ['7995', '6051']);
    for (const m of extra.filter((x) => own.includes(x.id))) expect(m.country).toBe(base.gateway.homeCountry);
    const highRisk = extra.filter((m) => m.id.startsWith(HIGH_RISK_PREFIX));
    expect(highRisk.length).toBeGreaterThanOrEqual(5);
    for (const m of highRisk) {
      expect(['7995', '6051']).toContain(m.mcc);
      expect(base.fx.rates[m.currency]).toBeDefined();
    }
    const withoutEuro = benchMerchants({ ...base, fx: { ...base.fx, rates: { USD: '1', CNY: '7.12' } } }, [], ['7995']);
    expect(withoutEuro.map((m) => m.country)).toEqual(['CN']);
  });

  it.runIf((base as { risk?: unknown }).risk !== undefined)('replaces only the risk deadline when asked to', () => {
    const bench = writeBenchConfig('config/development.json', { ownMerchantIds: [], highRiskMccs: [], riskDeadlineMs: 1500 });
    try {
      const written = JSON.parse(readFileSync(bench.file, 'utf8')) as { risk: Record<string, unknown> };
      expect(written.risk).toEqual({ ...(base as unknown as { risk: Record<string, unknown> }).risk, deadlineMs: 1500 });
    } finally {
      bench.remove();
    }
  });

  it('adds no high-risk merchant when the pack lists no high-risk category', () => {
    expect(benchMerchants(base, [], []).filter((m) => m.id.startsWith(HIGH_RISK_PREFIX))).toEqual([]);
  });
});
