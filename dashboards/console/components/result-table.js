import { el } from '../dom.js';

/**
 * A JSON result of docs/api.md (`{ columns: [{ name, type }], rows }`) as a table: the
 * columns in the order the answer gives them, numbers right-aligned and shown exactly as
 * the server wrote them (decimals and 64-bit integers arrive as text, and stay exact).
 */
const NUMERIC = /^(?:Nullable\(|LowCardinality\()*(?:U?Int\d+|Float\d+|Decimal)/;

export const isNumericType = (type) => NUMERIC.test(String(type ?? ''));

export function resultTable({ columns, rows, maxRows, label }) {
  const shown = rows.slice(0, maxRows);
  const numeric = columns.map((c) => isNumericType(c.type));
  return el(
    'table',
    { class: 'table result-table', attrs: { 'aria-label': label } },
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        columns.map((c, i) => el('th', { scope: 'col', class: numeric[i] ? 'num' : '', title: c.type, dataset: { column: c.name } }, c.name)),
      ),
    ),
    el(
      'tbody',
      {},
      shown.map((row) =>
        el(
          'tr',
          {},
          columns.map((c, i) => {
            const value = row[c.name];
            const empty = value === null || value === undefined || value === '';
            return el('td', { class: `${numeric[i] ? 'num' : 'nowrap'}${empty ? ' muted' : ''}`, dataset: { column: c.name } }, empty ? '—' : cellText(value));
          }),
        ),
      ),
    ),
  );
}

function cellText(value) {
  if (Array.isArray(value)) return value.map(cellText).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
