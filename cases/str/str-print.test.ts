import { describe, expect, it } from 'vitest';
import { strToHtml } from './str-print.ts';
import { sampleDocument } from './sample-str.ts';

const HOSTILE = `<script>alert("x")</script> ]]> & &amp; 'single' "double" <img src=x onerror=alert(1)> 😀 深圳华强北`;

/** Text of HTML with the escapes strToHtml writes read back. */
function unescape(html: string): string {
  return html
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

describe('strToHtml', () => {
  it('shows the institution, subject, totals, transactions, typologies, reasons, texts, officers and filing reference', () => {
    const doc = { ...sampleDocument(4), filingReference: 'AML-2026-000123' };
    const html = strToHtml(doc);
    for (const value of [
      doc.reportingInstitution.name,
      doc.reportingInstitution.code,
      doc.caseId,
      doc.subject.id,
      doc.subject.participant,
      doc.subject.name ?? '',
      ...doc.subject.identifiers.map((identifier) => identifier.value),
      ...doc.totals.map((total) => total.amount),
      ...doc.transactions.flatMap((t) => [t.paymentId, `${t.amount} ${t.currency}`, `${t.settleAmount} ${t.settleCurrency}`, t.payerWalletId]),
      ...doc.typologies,
      ...doc.reasons.flatMap((reason) => [reason.ruleId, reason.message]),
      doc.measuresTaken,
      'officer.li, 2026-12-02 03:40:12.500 UTC',
      'officer.chen, 2026-12-02 07:05:00 UTC',
      '2026-12-01 08:15:00 UTC',
      'AML-2026-000123',
    ]) {
      expect(unescape(html)).toContain(value);
    }
    expect(unescape(html)).toContain(`<div class="text">${doc.narrative}</div>`);
    expect(html.match(/<tr>/g)).toHaveLength((1 + 1) + (1 + 4) + (1 + 2)); // header and rows: totals, transactions, reasons
  });

  it('escapes every value, so hostile text is shown and never run', () => {
    const doc = sampleDocument();
    doc.narrative = `${HOSTILE}\nsecond line`;
    doc.subject.name = HOSTILE;
    doc.subject.identifiers.push({ type: '<b>type</b>', value: HOSTILE });
    doc.transactions[0] = { ...doc.transactions[0]!, status: '"><script>x</script>' };
    doc.strId = 'str_"><script>';
    const html = strToHtml(doc);
    expect(html).not.toMatch(/<script|<img|<b>/i);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; ]]&gt; &amp; &amp;amp; &#39;single&#39;');
    expect(unescape(html)).toContain(`<div class="text">${doc.narrative}</div>`);
    expect(unescape(html)).toContain(`<dd>${HOSTILE}</dd>`);
  });

  it('loads nothing and runs nothing: inline style only, and a policy that forbids the rest', () => {
    const html = strToHtml(sampleDocument());
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
    expect(html).not.toMatch(/<script|<link|<img|src=|href=|url\(|@import/i);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
  });

  it('marks a report nobody approved as a draft, and one not yet filed as such', () => {
    const { approvedBy: _by, approvedAt: _at, ...draft } = sampleDocument();
    const html = strToHtml(draft);
    expect(html).toContain('Draft: not approved, not to be filed');
    expect(html).toContain('<dt>Approved</dt><dd>not approved</dd>');
    expect(html).toContain('<dt>Filing reference</dt><dd>not yet filed</dd>');
    expect(strToHtml(sampleDocument())).not.toContain('Draft:');
  });

  it('names the report a correction replaces', () => {
    const html = strToHtml({ ...sampleDocument(), version: 2, correctsStrId: 'str_01JES0Q8H2YV7N3K5M9PZ4R6TB' });
    expect(html).toContain('Correction, version 2, of STR str_01JES0Q8H2YV7N3K5M9PZ4R6TB');
  });
});
