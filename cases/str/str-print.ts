import type { StrDocument } from './str-document.ts';
import { STR_FORMAT, instantMs } from './str-fields.ts';
import { htmlText } from './markup-text.ts';

/**
 * The STR as one printable HTML page: inline CSS, no script, no request for anything else
 * (its Content-Security-Policy forbids both), every value escaped. What an officer reads
 * before approving and files on paper beside the electronic report.
 */
export function strToHtml(doc: StrDocument): string {
  const title = `Suspicious transaction report ${doc.strId} v${doc.version}`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${htmlText(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    header(doc),
    section('Reporting institution', fields([
      ['Name', doc.reportingInstitution.name],
      ['Code', doc.reportingInstitution.code],
      ['Country', doc.reportingInstitution.country],
      ['Case', doc.caseId],
    ])),
    section('Subject', fields([
      ['Kind', doc.subject.kind],
      ['Id', doc.subject.id],
      ['Participant', doc.subject.participant],
      ['Name', doc.subject.name],
      ...doc.subject.identifiers.map(({ type, value }): [string, string] => [type, value]),
    ])),
    section('Filing', fields([
      ['Suspicion confirmed', when(doc.suspicionConfirmedAt)],
      ['Drafted', `${doc.draftedBy}, ${when(doc.draftedAt)}`],
      ['Approved', doc.approvedBy === undefined ? 'not approved' : `${doc.approvedBy}, ${when(doc.approvedAt ?? '')}`],
      ['Filing reference', doc.filingReference ?? 'not yet filed'],
    ])),
    section('Typologies', `<ul class="typologies">${doc.typologies.map((t) => `<li>${htmlText(t)}</li>`).join('')}</ul>`),
    section('Totals', table(
      ['Currency', 'Amount', 'Transactions'],
      doc.totals.map((t) => [cell(t.currency), cell(t.amount, 'amount'), cell(String(t.count), 'amount')]),
    )),
    section(`Transactions (${doc.transactions.length})`, table(
      ['#', 'Payment', 'Received (UTC)', 'Amount', 'Settlement', 'Corridor', 'Merchant', 'Payer wallet', 'Status'],
      doc.transactions.map((t, i) => [
        cell(String(i + 1), 'amount'),
        cell(t.paymentId, 'id'),
        cell(when(t.receivedAt)),
        cell(`${t.amount} ${t.currency}`, 'amount'),
        cell(t.settleAmount === undefined ? '' : `${t.settleAmount} ${t.settleCurrency ?? ''}`, 'amount'),
        cell(t.corridor),
        cell(t.merchantId, 'id'),
        cell(t.payerWalletId, 'id'),
        cell(t.status),
      ]),
    )),
    section('Reasons', doc.reasons.length === 0 ? '<p class="none">None recorded.</p>' : table(
      ['Rule', 'Version', 'Finding'],
      doc.reasons.map((r) => [cell(r.ruleId, 'id'), cell(String(r.ruleVersion), 'amount'), cell(r.message)]),
    )),
    section('Narrative', `<div class="text">${htmlText(doc.narrative)}</div>`),
    section('Measures taken', `<div class="text">${htmlText(doc.measuresTaken)}</div>`),
    `<footer>Format ${htmlText(STR_FORMAT)}. Times are UTC.</footer>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function header(doc: StrDocument): string {
  const status = doc.approvedBy === undefined
    ? '<p class="status draft">Draft: not approved, not to be filed</p>'
    : '';
  const correction = doc.correctsStrId === undefined
    ? ''
    : `<p class="status">Correction, version ${htmlText(String(doc.version))}, of STR ${htmlText(doc.correctsStrId)}: it replaces the earlier versions whole.</p>`;
  return [
    '<header>',
    '<h1>Suspicious transaction report</h1>',
    `<p class="reference">${htmlText(doc.strId)} &middot; version ${htmlText(String(doc.version))}</p>`,
    status,
    correction,
    '</header>',
  ].join('\n');
}

function section(heading: string, body: string): string {
  return `<section>\n<h2>${htmlText(heading)}</h2>\n${body}\n</section>`;
}

function fields(rows: Array<[string, string | undefined]>): string {
  const items = rows
    .filter((row): row is [string, string] => row[1] !== undefined)
    .map(([label, value]) => `<dt>${htmlText(label)}</dt><dd>${htmlText(value)}</dd>`);
  return `<dl>${items.join('')}</dl>`;
}

type Cell = { text: string; kind?: 'amount' | 'id' };

function cell(text: string, kind?: Cell['kind']): Cell {
  return kind === undefined ? { text } : { text, kind };
}

function table(headings: string[], rows: Cell[][]): string {
  const head = headings.map((h) => `<th>${htmlText(h)}</th>`).join('');
  const body = rows
    .map((row) => `<tr>${row.map((c) => `<td${c.kind ? ` class="${c.kind}"` : ''}>${htmlText(c.text)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

/** "2026-12-07 09:30:00 UTC" for an instant; anything else as it is. */
function when(instant: string): string {
  return instantMs(instant) === undefined ? instant : `${instant.replace('T', ' ').replace(/Z$/, '')} UTC`;
}

const STYLE = `
@page { size: A4; margin: 15mm 12mm; }
* { box-sizing: border-box; }
body { font: 10.5pt/1.45 system-ui, "Segoe UI", "Noto Sans", "Noto Sans CJK SC", "PingFang SC", sans-serif; color: #111; margin: 2em auto; max-width: 60em; padding: 0 1em; }
h1 { font-size: 17pt; margin: 0 0 .2em; }
h2 { font-size: 12pt; border-bottom: 1px solid #888; margin: 1.4em 0 .5em; padding-bottom: .15em; break-after: avoid; }
.reference { font-family: ui-monospace, "DejaVu Sans Mono", monospace; margin: 0; }
.status { border-left: 4px solid #555; padding: .3em .6em; background: #f2f2f2; }
.status.draft { border-color: #b00; color: #b00; font-weight: bold; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2em 1.2em; margin: 0; }
dt { color: #444; }
dd { margin: 0; overflow-wrap: anywhere; }
ul.typologies { margin: 0; padding-left: 1.2em; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; }
th, td { border: 1px solid #bbb; padding: .2em .35em; text-align: left; vertical-align: top; }
th { background: #eee; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
td.amount { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.id { font-family: ui-monospace, "DejaVu Sans Mono", monospace; overflow-wrap: anywhere; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; }
.none { color: #555; }
footer { margin-top: 2em; color: #555; font-size: 8.5pt; }
@media print { body { margin: 0; max-width: none; padding: 0; } }
`;
