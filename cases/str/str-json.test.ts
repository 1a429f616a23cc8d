import { describe, expect, it } from 'vitest';
import { strToJson } from './str-json.ts';
import type { StrDocument } from './str-document.ts';
import { sampleDocument } from './sample-str.ts';

/** The same object with its keys, at every depth, in reverse order. */
function reversed<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reversed) as T;
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([key, v]) => [key, reversed(v)])) as T;
}

describe('strToJson', () => {
  it('reads back as the document under its format name, with the optional fields it lacks left out', () => {
    const doc = sampleDocument();
    const json = strToJson(doc);
    expect(JSON.parse(json)).toEqual({ format: 'urn:cpg:str:1.0', ...doc });
    expect(json).not.toContain('correctsStrId');
    expect(json).not.toContain('filingReference');
    expect(json.endsWith('}\n')).toBe(true);
  });

  it('writes the same bytes whatever order the properties were built in and whatever else they carry', () => {
    const doc = { ...sampleDocument(), filingReference: 'AML-2026-000123' };
    const cluttered = { ...reversed(doc), workflowState: 'approved' } as StrDocument;
    expect(strToJson(cluttered)).toBe(strToJson(doc));
  });

  it('puts the format first and the fields in the order of the XML schema', () => {
    const doc: StrDocument = { ...sampleDocument(), version: 2, correctsStrId: 'str_01JES0Q8H2YV7N3K5M9PZ4R6TB', filingReference: 'AML-1' };
    expect(Object.keys(JSON.parse(strToJson(reversed(doc))))).toEqual([
      'format', 'strId', 'version', 'correctsStrId', 'caseId', 'reportingInstitution', 'subject', 'transactions',
      'totals', 'typologies', 'reasons', 'narrative', 'measuresTaken', 'suspicionConfirmedAt', 'draftedBy',
      'draftedAt', 'approvedBy', 'approvedAt', 'filingReference',
    ]);
    const transaction = JSON.parse(strToJson(reversed(doc))).transactions[0];
    expect(Object.keys(transaction)).toEqual([
      'paymentId', 'receivedAt', 'amount', 'currency', 'settleAmount', 'settleCurrency', 'corridor', 'merchantId',
      'payerWalletId', 'status',
    ]);
  });

  it('keeps hostile text exactly', () => {
    const doc = sampleDocument();
    doc.narrative = `</script><script>alert("x")</script> ]]> & 'q' "d" \u2028 😀 深圳 ${'x'.repeat(40)}`;
    expect(JSON.parse(strToJson(doc)).narrative).toBe(doc.narrative);
  });
});
