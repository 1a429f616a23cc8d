import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { STR_LIMITS } from './str-fields.ts';
import { STR_XSD_URL } from './str-xml.ts';

const xsd = readFileSync(STR_XSD_URL, 'utf8');
const format = readFileSync(new URL('../../docs/str-format.md', import.meta.url), 'utf8');
const elements = [...xsd.matchAll(/<xs:element name="(\w+)"/g)].map((match) => match[1] as string);

/** The value of a facet of the simple type `name`. */
function facet(type: string, name: string): number {
  const body = new RegExp(`<xs:simpleType name="${type}">([^]*?)</xs:simpleType>`).exec(xsd)?.[1] ?? '';
  return Number(new RegExp(`<xs:${name} value="(\\d+)"/>`).exec(body)?.[1]);
}

/** The maxOccurs of the element `name`. */
function maxOccurs(name: string): number {
  return Number(new RegExp(`<xs:element name="${name}"[^>]*maxOccurs="(\\d+)"`).exec(xsd)?.[1]);
}

describe('str-1.0.xsd', () => {
  it('documents every element it declares', () => {
    const documented = [...xsd.matchAll(/<xs:element name="(\w+)"[^>]*>\s*<xs:annotation>\s*<xs:documentation>\s*\S/g)];
    expect(elements.length).toBeGreaterThan(40);
    expect(documented.map((match) => match[1])).toEqual(elements);
  });

  it('has every element it declares described in docs/str-format.md', () => {
    const undescribed = [...new Set(elements)].filter((name) => !format.includes(`| \`${name}\` |`));
    expect(undescribed).toEqual([]);
  });

  it('holds the limits the draft checks hold', () => {
    expect({
      line: facet('Line', 'maxLength'),
      message: facet('Message', 'maxLength'),
      token: facet('Token', 'maxLength'),
      narrativeMin: facet('Narrative', 'minLength'),
      narrativeMax: facet('Narrative', 'maxLength'),
      measuresTakenMax: facet('Measures', 'maxLength'),
      transactions: maxOccurs('transaction'),
      identifiers: maxOccurs('identifier'),
      typologies: maxOccurs('typology'),
      reasons: maxOccurs('reason'),
    }).toEqual(STR_LIMITS);
    expect(facet('Typology', 'maxLength')).toBe(STR_LIMITS.token);
    expect(facet('Count', 'maxInclusive')).toBe(STR_LIMITS.transactions);
  });
});
