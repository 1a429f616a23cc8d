import { err, ok, type Result } from '../../domain/result.ts';
import { strApprovalProblems } from './str-approval.ts';
import type { StrDocument, StrProblem } from './str-document.ts';
import { strToJson } from './str-json.ts';
import { strToHtml } from './str-print.ts';
import { strToXml, strXmlProblems } from './str-xml.ts';

/** The three files of an exported STR. */
export interface StrExport {
  /** urn:cpg:str:1.0, validated against str-1.0.xsd. */
  xml: string;
  json: string;
  html: string;
}

/**
 * An approved STR as its files, or every reason it may not leave: the document's problems
 * (strApprovalProblems) by field, else the XML's against the shipped schema under the field
 * "xml". The XML is validated on every export, never only in tests.
 */
export async function exportStr(doc: StrDocument): Promise<Result<StrExport, StrProblem[]>> {
  const problems = strApprovalProblems(doc);
  if (problems.length > 0) return err(problems);
  const xml = strToXml(doc);
  const xmlProblems = await strXmlProblems(xml);
  if (xmlProblems.length > 0) return err(xmlProblems.map((message) => ({ field: 'xml', message })));
  return ok({ xml, json: strToJson(doc), html: strToHtml(doc) });
}
