import { el } from '../dom.js';
import { formatCount, formatDecimal } from '../format.js';

/**
 * A small table of an answer's rows: each column a label and how a row shows in it (text,
 * or a node), numbers right-aligned. What the server sent goes in as text, never markup.
 *
 * columns: [{ label, value: (row) => string | number | Node, numeric?, key? }]
 */
export function figureTable({ columns, rows, label, empty = 'Nothing in this window.', testid }) {
  if (!rows || rows.length === 0) return el('p', { class: 'muted figure-empty', dataset: testid ? { testid } : {} }, empty);
  return el(
    'table',
    { class: 'table figure-table', attrs: { 'aria-label': label }, dataset: { rows: String(rows.length), ...(testid ? { testid } : {}) } },
    el('thead', {}, el('tr', {}, columns.map((c) => el('th', { scope: 'col', class: c.numeric ? 'num' : '' }, c.label)))),
    el(
      'tbody',
      {},
      rows.map((row) =>
        el(
          'tr',
          {},
          columns.map((c) => {
            const value = c.value(row);
            return el('td', { class: c.numeric ? 'num' : 'nowrap', dataset: c.key ? { col: c.key } : {} }, value === undefined || value === null || value === '' ? '—' : value);
          }),
        ),
      ),
    ),
  );
}

/** Column helpers: a count, an exact decimal amount, plain text, code. */
export const countColumn = (label, field) => ({ label, key: field, numeric: true, value: (r) => formatCount(r[field]) });
export const amountColumn = (label, field) => ({ label, key: field, numeric: true, value: (r) => formatDecimal(r[field], 2) });
export const textColumn = (label, field) => ({ label, key: field, value: (r) => r[field] });
export const codeColumn = (label, field) => ({ label, key: field, value: (r) => (r[field] ? el('code', {}, r[field]) : '') });
