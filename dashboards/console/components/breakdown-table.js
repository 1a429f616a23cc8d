import { el, replace } from '../dom.js';
import { formatCount, formatDecimal, formatMs, formatRate } from '../format.js';
import { CSV_TYPE, toCsv } from './csv.js';
import { fileSafe, saveFile } from './save-file.js';

/**
 * One breakdown of a participant's payments (GET /v1/analytics/breakdown/{dimension}) as a
 * card: a table of the rows, and a CSV export of exactly those rows, built here from the
 * answer's raw values (exact decimals, rates as shares) rather than the formatted cells.
 */
const KEY_COLUMNS = {
  corridor: [{ header: 'corridor', label: 'Corridor', value: (r) => r.key, code: true }],
  merchant: [
    { header: 'merchant_id', label: 'Merchant', value: (r) => r.key, code: true, hidden: true },
    { header: 'merchant_name', label: 'Merchant', value: (r) => r.label ?? '', merchant: true },
  ],
  mcc: [{ header: 'mcc', label: 'MCC', value: (r) => r.key, code: true }],
  reason: [{ header: 'decline_reason', label: 'Decline reason', value: (r) => r.key, code: true }],
  hour: [{ header: 'hour_utc', label: 'Hour (UTC)', value: (r) => r.key, show: (r) => `${r.key}:00` }],
};

const count = (header, label, field) => ({ header, label, value: (r) => r[field], show: (r) => formatCount(r[field]), numeric: true });
const share = (header, label, field) => ({ header, label, value: (r) => r[field], show: (r) => formatRate(r[field]), numeric: true });
const money = (header, label, field) => ({ header, label, value: (r) => r[field], show: (r) => formatDecimal(r[field], 2), numeric: true });
const latency = (header, label, field) => ({ header, label, value: (r) => r[field], show: (r) => formatMs(r[field]), numeric: true });

const FIGURES = [
  count('payments', 'Payments', 'payments'),
  count('approved', 'Approved', 'approved'),
  count('declined', 'Declined', 'declined'),
  count('review', 'Review', 'review'),
  share('approval_rate', 'Approval', 'approvalRate'),
  share('decline_rate', 'Decline', 'declineRate'),
  money('value_usd', 'Value USD', 'valueUsd'),
  money('approved_value_usd', 'Approved USD', 'approvedValueUsd'),
  count('fraud_confirmed', 'Fraud', 'fraudConfirmed'),
  share('fraud_confirmed_rate', 'Fraud rate', 'fraudConfirmedRate'),
  latency('p50_latency_ms', 'p50', 'p50LatencyMs'),
  latency('p99_latency_ms', 'p99', 'p99LatencyMs'),
];
/** Every row of the reason breakdown is declined: its approval figures say nothing. */
const REASON_FIGURES = ['payments', 'value_usd', 'fraud_confirmed', 'fraud_confirmed_rate', 'p50_latency_ms', 'p99_latency_ms'];

export const BREAKDOWNS = [
  { dimension: 'corridor', title: 'By corridor', sub: 'Payer market to merchant country' },
  { dimension: 'merchant', title: 'By merchant', sub: 'Merchants paid' },
  { dimension: 'mcc', title: 'By merchant category (MCC)', sub: 'ISO 18245 merchant category codes' },
  { dimension: 'reason', title: 'By decline reason', sub: "Declined payments: the issuer's code, or the rule that weighed most" },
  { dimension: 'hour', title: 'By hour of day (UTC)', sub: 'All days of the window together' },
];

export function breakdownCard({ dimension, title, sub }) {
  const columns = [...KEY_COLUMNS[dimension], ...FIGURES.filter((c) => dimension !== 'reason' || REASON_FIGURES.includes(c.header))];
  const body = el('div', { class: 'table-card breakdown-scroll' }, el('p', { class: 'muted breakdown-empty' }, 'Loading…'));
  const note = el('p', { class: 'muted breakdown-note' });
  const exportButton = el('button', { type: 'button', class: 'button button-small', disabled: true, dataset: { testid: `export-${dimension}` } }, 'Export CSV');
  const element = el(
    'section',
    { class: 'card breakdown-card', dataset: { dimension, testid: `breakdown-${dimension}` } },
    el('div', { class: 'card-head' }, el('div', {}, el('h2', {}, title), el('p', { class: 'muted breakdown-sub' }, sub)), exportButton),
    body,
    note,
  );
  let rows = [];
  let fileName = dimension;
  exportButton.addEventListener('click', () => saveFile(new Blob([toCsv(columns, rows)], { type: CSV_TYPE }), `${fileSafe(fileName)}.csv`));

  return {
    element,
    /** Shows the rows of one answer; `name` is the export's file name without extension. */
    show(answer, name) {
      rows = answer?.rows ?? [];
      fileName = name;
      exportButton.disabled = rows.length === 0;
      element.dataset.rows = String(rows.length);
      replace(note, answer?.truncated ? `Only the ${formatCount(rows.length)} largest are shown.` : null);
      if (rows.length === 0) return replace(body, el('p', { class: 'muted breakdown-empty' }, dimension === 'reason' ? 'No declined payments in this window.' : 'No payments in this window.'));
      replace(body, table(columns.filter((c) => !c.hidden), rows, title));
    },
    /** Back to the loading state (a new window or participant). */
    loading() {
      rows = [];
      exportButton.disabled = true;
      delete element.dataset.rows;
      replace(note);
      replace(body, el('p', { class: 'muted breakdown-empty' }, 'Loading…'));
    },
    failed(box) {
      rows = [];
      exportButton.disabled = true;
      replace(body, box);
    },
  };
}

function table(columns, rows, label) {
  return el(
    'table',
    { class: 'table breakdown-table', attrs: { 'aria-label': label } },
    el('thead', {}, el('tr', {}, columns.map((c) => el('th', { scope: 'col', class: c.numeric ? 'num' : '' }, c.label)))),
    el(
      'tbody',
      {},
      rows.map((r) =>
        el(
          'tr',
          { dataset: { key: r.key } },
          columns.map((c) => {
            if (c.merchant) {
              return el('td', { class: 'rule-cell' }, el('span', { class: 'merchant-name' }, r.label || r.key), el('code', { class: 'reason-line' }, r.key));
            }
            const text = c.show ? c.show(r) : String(c.value(r) ?? '—');
            return el('td', { class: c.numeric ? 'num' : 'nowrap', dataset: { col: c.header } }, c.code ? el('code', {}, text) : text);
          }),
        ),
      ),
    ),
  );
}
