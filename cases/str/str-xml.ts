import { readFile } from 'node:fs/promises';
import { validateXML, memoryPages } from 'xmllint-wasm';
import type { StrDocument } from './str-document.ts';
import { xmlText } from './markup-text.ts';
import { STR_FORMAT } from './str-fields.ts';
/** The schema every export is validated against, shipped beside this file. */
export const STR_XSD_URL = new URL('./str-1.0.xsd', import.meta.url);

/**
 * The approved STR as an XML 1.0 document in UTF-8 (format urn:cpg:str:1.0, docs/str-format.md).
 * Elements carry the document's field names, in the schema's order; absent optional fields
 * are left out. Whatever the text holds, the output is well-formed (see markup-text.ts).
 */
export function strToXml(doc: StrDocument): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>', `<str xmlns="${STR_FORMAT}">`];
  const leaf = (depth: number, name: string, value: string | number | undefined): void => {
    if (value !== undefined) out.push(`${'  '.repeat(depth)}<${name}>${xmlText(String(value))}</${name}>`);
  };
  const open = (depth: number, name: string): void => void out.push(`${'  '.repeat(depth)}<${name}>`);
  const close = (depth: number, name: string): void => void out.push(`${'  '.repeat(depth)}</${name}>`);

  leaf(1, 'strId', doc.strId);
  leaf(1, 'version', doc.version);
  leaf(1, 'correctsStrId', doc.correctsStrId);
  leaf(1, 'caseId', doc.caseId);

  open(1, 'reportingInstitution');
  leaf(2, 'name', doc.reportingInstitution.name);
  leaf(2, 'code', doc.reportingInstitution.code);
  leaf(2, 'country', doc.reportingInstitution.country);
  close(1, 'reportingInstitution');

  open(1, 'subject');
  leaf(2, 'kind', doc.subject.kind);
  leaf(2, 'id', doc.subject.id);
  leaf(2, 'participant', doc.subject.participant);
  leaf(2, 'name', doc.subject.name);
  open(2, 'identifiers');
  for (const identifier of doc.subject.identifiers) {
    open(3, 'identifier');
    leaf(4, 'type', identifier.type);
    leaf(4, 'value', identifier.value);
    close(3, 'identifier');
  }
  close(2, 'identifiers');
  close(1, 'subject');

  open(1, 'transactions');
  for (const transaction of doc.transactions) {
    open(2, 'transaction');
    leaf(3, 'paymentId', transaction.paymentId);
    leaf(3, 'receivedAt', transaction.receivedAt);
    leaf(3, 'amount', transaction.amount);
    leaf(3, 'currency', transaction.currency);
    leaf(3, 'settleAmount', transaction.settleAmount);
    leaf(3, 'settleCurrency', transaction.settleCurrency);
    leaf(3, 'corridor', transaction.corridor);
    leaf(3, 'merchantId', transaction.merchantId);
    leaf(3, 'payerWalletId', transaction.payerWalletId);
    leaf(3, 'status', transaction.status);
    close(2, 'transaction');
  }
  close(1, 'transactions');

  open(1, 'totals');
  for (const total of doc.totals) {
    open(2, 'total');
    leaf(3, 'currency', total.currency);
    leaf(3, 'amount', total.amount);
    leaf(3, 'count', total.count);
    close(2, 'total');
  }
  close(1, 'totals');

  open(1, 'typologies');
  for (const typology of doc.typologies) leaf(2, 'typology', typology);
  close(1, 'typologies');

  open(1, 'reasons');
  for (const reason of doc.reasons) {
    open(2, 'reason');
    leaf(3, 'ruleId', reason.ruleId);
    leaf(3, 'ruleVersion', reason.ruleVersion);
    leaf(3, 'message', reason.message);
    close(2, 'reason');
  }
  close(1, 'reasons');

  leaf(1, 'narrative', doc.narrative);
  leaf(1, 'measuresTaken', doc.measuresTaken);
  leaf(1, 'suspicionConfirmedAt', doc.suspicionConfirmedAt);
  leaf(1, 'draftedBy', doc.draftedBy);
  leaf(1, 'draftedAt', doc.draftedAt);
  leaf(1, 'approvedBy', doc.approvedBy);
  leaf(1, 'approvedAt', doc.approvedAt);
  leaf(1, 'filingReference', doc.filingReference);
  out.push('</str>', '');
  return out.join('\n');
}

/**
 * Every way `xml` fails the shipped schema (str-1.0.xsd), as "line N: what", [] when it
 * validates. Runs libxml2 compiled to WebAssembly in a worker thread: no network, no native
 * code. A file the validator cannot read at all is reported too, never thrown: an export is
 * released only on [].
 */
export async function strXmlProblems(xml: string): Promise<string[]> {
  // An STR never carries a DTD; refusing one up front keeps entity expansion out of the validator.
  if (/<!DOCTYPE/i.test(xml)) return ['the document has a DOCTYPE declaration, which an STR never carries'];
  const schema = await readFile(STR_XSD_URL, 'utf8');
  try {
    const result = await validateXML({
      xml: [{ fileName: 'str.xml', contents: xml }],
      schema: [{ fileName: 'str-1.0.xsd', contents: schema }],
      ...validatorMemory(xml),
    });
    if (result.valid) return [];
    // Lines without a location are libxml2 echoing the offending source line: data, not a finding.
    const problems = result.errors
      .filter((error) => error.loc !== null)
      .map((error) => `line ${error.loc?.lineNumber}: ${readable(error.message)}`);
    return problems.length > 0 ? problems : ['the document does not validate against str-1.0.xsd'];
  } catch (error) {
    return [`the document could not be validated: ${error instanceof Error ? error.message : String(error)}`];
  }
}

/**
 * libxml2 builds the whole tree in the WebAssembly memory, which cannot grow past its maximum:
 * a 4.3 MiB report of 10,000 transactions needs 28 MiB, and one short of memory can come back
 * as a false "invalid". 10 bytes per byte of the file plus the default 16 MiB leaves margin.
 */
function validatorMemory(xml: string): { initialMemoryPages: number; maxMemoryPages: number } {
  const needed = Math.ceil((Buffer.byteLength(xml, 'utf8') * 10) / (64 * 1024)) + memoryPages.defaultInitialMemoryPages;
  const maxMemoryPages = Math.min(memoryPages.max, Math.max(memoryPages.defaultMaxMemoryPages, needed));
  return { initialMemoryPages: Math.min(maxMemoryPages, needed), maxMemoryPages };
}

function readable(message: string): string {
  return message
    .replace(/^Schemas validity error : /, '')
    .replaceAll(`{${STR_FORMAT}}`, '')
    .trim();
}
