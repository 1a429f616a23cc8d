import { describe, expect, it } from 'vitest';
import { exportStr } from './str-export.ts';
import { strApprovalProblems } from './str-approval.ts';
import { sampleDocument } from './sample-str.ts';

describe('exportStr', () => {
  it('gives the XML, JSON and HTML of an approved report', async () => {
    const exported = await exportStr(sampleDocument());
    expect(exported.ok).toBe(true);
    if (!exported.ok) return;
    expect(exported.value.xml).toContain('<approvedBy>officer.chen</approvedBy>');
    expect(JSON.parse(exported.value.json).approvedBy).toBe('officer.chen');
    expect(exported.value.html).toContain('officer.chen');
  });

  it('refuses a report nobody approved, or approved by its own drafter', async () => {
    const { approvedBy: _by, approvedAt: _at, ...draft } = sampleDocument();
    expect(await exportStr(draft)).toEqual({
      ok: false,
      error: [
        { field: 'approvedBy', message: 'is required' },
        { field: 'approvedAt', message: 'is required' },
      ],
    });
    const selfApproved = { ...sampleDocument(), approvedBy: 'officer.li' };
    expect(strApprovalProblems(selfApproved)).toEqual([
      { field: 'approvedBy', message: 'must be a second officer, not the one who drafted the report' },
    ]);
  });

  it('refuses an approval before the draft, totals that are not the transactions\', and a bad draft', async () => {
    expect(strApprovalProblems({ ...sampleDocument(), approvedAt: '2026-12-02T03:40:12.499Z' })).toEqual([
      { field: 'approvedAt', message: 'must not be before draftedAt' },
    ]);
    const wrongTotals = sampleDocument();
    wrongTotals.totals = [{ currency: 'CNY', amount: '0.01', count: 3 }];
    expect(strApprovalProblems(wrongTotals).map((problem) => problem.field)).toEqual(['totals']);
    const reordered = sampleDocument();
    reordered.totals = reordered.totals.map(({ count, amount, currency }) => ({ count, amount, currency }));
    expect(strApprovalProblems(reordered)).toEqual([]);
    expect(strApprovalProblems({ ...sampleDocument(), totals: null as unknown as [] }).map((problem) => problem.field)).toEqual(['totals']);
    const badDraft = { ...sampleDocument(), narrative: 'too short' };
    const exported = await exportStr(badDraft);
    expect(exported.ok ? [] : exported.error.map((problem) => problem.field)).toEqual(['narrative']);
  });

  it('exports a report of 10,000 transactions', async () => {
    const doc = sampleDocument(10_000);
    const started = performance.now();
    const exported = await exportStr(doc);
    const took = performance.now() - started;
    expect(exported.ok).toBe(true);
    if (!exported.ok) return;
    expect(exported.value.xml.match(/<transaction>/g)).toHaveLength(10_000);
    expect(JSON.parse(exported.value.json).transactions).toHaveLength(10_000);
    expect(exported.value.html.match(/<tr>/g)).toHaveLength(1 + 1 + 1 + 10_000 + 1 + 2);
    const mib = (text: string): string => (Buffer.byteLength(text) / 2 ** 20).toFixed(1);
    console.info(
      `exportStr, 10,000 transactions: ${took.toFixed(0)} ms (checks, XML, schema validation, JSON, HTML); ` +
        `XML ${mib(exported.value.xml)} MiB, JSON ${mib(exported.value.json)} MiB, HTML ${mib(exported.value.html)} MiB`,
    );
  });
});
