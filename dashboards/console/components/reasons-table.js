import { el } from '../dom.js';
import { formatQuoted } from '../format.js';

/** The reasons of a decision: which rule and version said what, about which value against which threshold. */
export function reasonsTable(reasons, caption) {
  if (reasons.length === 0) return el('p', { class: 'muted' }, 'No rule reasons: raised on the score alone.');
  return el(
    'table',
    { class: 'table reasons-table' },
    caption ? el('caption', {}, caption) : null,
    el('thead', {}, el('tr', {}, ['Rule', 'Version', 'Message', 'Value', 'Threshold'].map((h) => el('th', { scope: 'col' }, h)))),
    el(
      'tbody',
      {},
      reasons.map((r) =>
        el(
          'tr',
          { dataset: { ruleId: r.ruleId ?? '' } },
          el('td', {}, el('code', {}, r.ruleId ?? '—')),
          el('td', { class: 'num-font' }, r.ruleVersion === undefined ? '—' : `v${r.ruleVersion}`),
          el('td', {}, r.message ?? ''),
          el('td', { class: 'quoted' }, formatQuoted(r.value)),
          el('td', { class: 'quoted' }, formatQuoted(r.threshold)),
        ),
      ),
    ),
  );
}
