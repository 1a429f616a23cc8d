import { describe, expect, it } from 'vitest';
import { strToXml, strXmlProblems } from './str-xml.ts';
import { strTotals } from './str-totals.ts';
import type { StrDocument } from './str-document.ts';
import { sampleDocument } from './sample-str.ts';

const HOSTILE = `<script>alert("x")</script> ]]> & &amp; 'single' "double" <![CDATA[ ]]> 😀 深圳华强北电子商行 </narrative>`;

/** The text of the first `name` element, with the five entities and character references read back. */
function textOf(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return match?.[1]
    ?.replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function hostileDocument(): StrDocument {
  const doc = sampleDocument();
  doc.narrative = `${HOSTILE}\nSecond line\tafter a tab.`;
  doc.measuresTaken = HOSTILE;
  doc.subject.name = HOSTILE.trim();
  doc.subject.identifiers.push({ type: 'note', value: HOSTILE.trim() });
  doc.reasons[0] = { ruleId: 'mule-fan-in', ruleVersion: 3, message: HOSTILE.trim() };
  doc.filingReference = `PBOC/2026 <&> "'"`;
  return doc;
}

describe('strToXml', () => {
  it('writes an approved report that the shipped schema accepts', async () => {
    const xml = strToXml(sampleDocument());
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<str xmlns="urn:cpg:str:1.0">')).toBe(true);
    expect(await strXmlProblems(xml)).toEqual([]);
  });

  it('writes a correction with its filing reference that the schema accepts', async () => {
    const doc: StrDocument = {
      ...sampleDocument(),
      strId: 'str_01JEX00000000000000000000B',
      version: 2,
      correctsStrId: 'str_01JES0Q8H2YV7N3K5M9PZ4R6TB',
      filingReference: 'AML-2026-000123',
    };
    const xml = strToXml(doc);
    expect(textOf(xml, 'correctsStrId')).toBe('str_01JES0Q8H2YV7N3K5M9PZ4R6TB');
    expect(await strXmlProblems(xml)).toEqual([]);
  });

  it('escapes markup, quotes, emoji and Hanzi so every text reads back as it was', async () => {
    const doc = hostileDocument();
    const xml = strToXml(doc);
    expect(xml).not.toContain('<script>');
    expect(xml).not.toContain(']]>');
    expect(xml).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; ]]&gt; &amp; &amp;amp; &apos;single&apos;');
    expect(textOf(xml, 'narrative')).toBe(doc.narrative);
    expect(textOf(xml, 'measuresTaken')).toBe(doc.measuresTaken);
    expect(textOf(xml, 'name')).toBe(doc.reportingInstitution.name);
    expect(textOf(xml, 'message')).toBe(doc.reasons[0]?.message);
    expect(textOf(xml, 'filingReference')).toBe(doc.filingReference);
    expect(await strXmlProblems(xml)).toEqual([]);
  });

  it('stays well-formed when a text holds characters XML cannot carry', async () => {
    const doc = sampleDocument();
    const forbidden = '\u0000\u0001\u0008\u000B\u001F\uDFFF\uD800\uFFFE\uFFFF';
    doc.narrative = `${'A narrative that the draft checks would have refused. '.repeat(2)}${forbidden}😀`;
    const xml = strToXml(doc);
    expect(textOf(xml, 'narrative')).toBe(`${'A narrative that the draft checks would have refused. '.repeat(2)}${'\uFFFD'.repeat(9)}😀`);
    expect(await strXmlProblems(xml)).toEqual([]);
  });

  it('keeps a carriage return as a reference, which the schema then refuses as a control character', async () => {
    const doc = sampleDocument();
    doc.measuresTaken = 'Held.\r\nReported.';
    const xml = strToXml(doc);
    expect(textOf(xml, 'measuresTaken')).toBe('Held.\r\nReported.');
    const problems = await strXmlProblems(xml);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^line \d+: Element 'measuresTaken': \[facet 'pattern'\]/);
  });

  it('writes and validates a report of 10,000 transactions', async () => {
    const doc = sampleDocument(10_000);
    const started = performance.now();
    const xml = strToXml(doc);
    const written = performance.now();
    const problems = await strXmlProblems(xml);
    const validated = performance.now();
    expect(problems).toEqual([]);
    expect(xml.match(/<transaction>/g)).toHaveLength(10_000);
    console.info(
      `10,000 transactions: ${(xml.length / 2 ** 20).toFixed(1)} MiB of XML, written in ${(written - started).toFixed(0)} ms, ` +
        `validated in ${(validated - written).toFixed(0)} ms`,
    );
  });
});

describe('strXmlProblems', () => {
  const xml = strToXml(sampleDocument());

  it('names an element removed from the report', async () => {
    const problems = await strXmlProblems(xml.replace(/ {2}<narrative>[^<]*<\/narrative>\n/, ''));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/Element 'measuresTaken': This element is not expected\. Expected is \( narrative \)/);
  });

  it.each(['12.34567', '-5.00', '1e3', '0', '1,000.00', '1234567890123456789'])('names the amount %s', async (amount) => {
    const problems = await strXmlProblems(xml.replace('<amount>4000.00</amount>', `<amount>${amount}</amount>`));
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((problem) => /Element 'amount'/.test(problem))).toBe(true);
  });

  it('names a currency, an instant and a subject kind the format does not have', async () => {
    const tampered = xml
      .replace('<currency>CNY</currency>', '<currency>cny</currency>')
      .replace('<receivedAt>2026-11-30T00:00:00.000Z</receivedAt>', '<receivedAt>2026-11-30T08:00:00+08:00</receivedAt>')
      .replace('<kind>merchant</kind>', '<kind>person</kind>');
    const problems = await strXmlProblems(tampered);
    expect(problems.map((problem) => /Element '(\w+)'/.exec(problem)?.[1])).toEqual(['kind', 'receivedAt', 'currency']);
  });

  it('names a payment reported twice', async () => {
    const doc = sampleDocument();
    const [first] = doc.transactions;
    if (first === undefined) throw new Error('the sample has transactions');
    doc.transactions.push(first);
    doc.totals = strTotals(doc.transactions);
    expect(await strXmlProblems(strToXml(doc))).toEqual([
      expect.stringMatching(/Duplicate key-sequence \['pay_0m4xq3b7k000000'\] in unique identity-constraint 'uniquePaymentId'/),
    ]);
  });

  it('refuses a report nobody approved', async () => {
    const { approvedBy: _by, approvedAt: _at, ...draft } = sampleDocument();
    const problems = await strXmlProblems(strToXml(draft));
    expect(problems).toEqual([expect.stringMatching(/Element 'str': Missing child element\(s\)\. Expected is \( approvedBy \)/)]);
  });

  it('refuses another namespace, a file cut short and a DOCTYPE', async () => {
    expect(await strXmlProblems(xml.replace('urn:cpg:str:1.0', 'urn:cpg:str:2.0'))).toEqual([
      expect.stringMatching(/No matching global declaration available for the validation root/),
    ]);
    expect(await strXmlProblems(xml.slice(0, 400))).toEqual([expect.stringMatching(/^line \d+: parser error/)]);
    const withDtd = xml.replace('<str ', '<!DOCTYPE str [<!ENTITY a "aaaaaaaaaa">]>\n<str ');
    expect(await strXmlProblems(withDtd)).toEqual(['the document has a DOCTYPE declaration, which an STR never carries']);
    expect(await strXmlProblems('')).not.toEqual([]);
  });
});
