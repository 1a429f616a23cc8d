import { el } from '../dom.js';
import { formatCount, formatTime } from '../format.js';
import { modeBadge } from './badges.js';
import { listTitle, parseList } from './list-kinds.js';

/**
 * What an approver reads first: each change of a set next to what is live
 * (GET /v1/change-sets/{id} `diff`). A rule is shown field by field, the fields that differ
 * marked and, inside them, the lines that differ; the values that change are listed on
 * their own, so a limit moved from 5 to 3 is read without searching the JSON. Thresholds
 * are two numbers each side. A list change is its size before and after, with the entries
 * it adds and the values it removes, or for a CSV import its mode, rows and first entries.
 */
const RULE_FIELDS = ['id', 'description', 'typology', 'priority', 'mode', 'when', 'then'];
/** What the store adds to a rule: never part of what a change proposes. */
const STORED_FIELDS = new Set(['version', 'createdAt', 'createdBy', 'approvedBy', 'changeSet', 'updatedAt']);
const LEAVES_SHOWN = 12;
/** Entries of a list change shown at once; the rest are counted. */
const ENTRIES_SHOWN = 50;

export function changeSetDiff(diff) {
  if (!diff?.length) return el('p', { class: 'muted' }, 'This change set changes nothing.');
  return el('div', { class: 'change-list' }, diff.map((d, k) => changeView(d, k)));
}

function changeView(d, index) {
  const body =
    d.kind === 'thresholds' ? thresholdsView(d) : d.kind === 'rule' || d.kind === 'mode' ? ruleView(d) : d.kind === 'list' ? listView(d) : otherView(d);
  return el(
    'article',
    { class: `change change-${d.kind}`, dataset: { testid: 'change', ruleId: d.ruleId, kind: d.kind, index: String(index) } },
    el('div', { class: 'change-head' }, el('h3', { class: 'change-title' }, titleOf(d)), fieldChips(d)),
    body,
  );
}

function titleOf(d) {
  const id = el('code', {}, d.ruleId);
  if (d.kind === 'thresholds') return 'Decision thresholds';
  if (d.kind === 'list') return ['List ', el('code', {}, listOf(d)), el('span', { class: 'muted change-version' }, ` ${listTitle(listOf(d))}`)];
  if (d.kind === 'mode') return ['Mode of ', id, ': ', modeBadge(d.live?.mode), ' → ', modeBadge(d.proposed?.mode)];
  if (d.kind === 'rule' && !d.live) return ['New rule ', id];
  if (d.kind === 'rule') return ['Rule ', id, el('span', { class: 'muted change-version' }, ` v${d.live.version} → v${d.live.version + 1}`)];
  return [`${d.kind[0]?.toUpperCase() ?? ''}${d.kind.slice(1)} `, id];
}

function fieldChips(d) {
  if (d.kind === 'list') {
    const delta = (d.proposed?.entries ?? 0) - (d.live?.entries ?? 0);
    return el('span', { class: 'diff-fields' }, el('span', { class: 'muted' }, 'entries '), el('code', { class: 'diff-chip', dataset: { field: 'entries' } }, `${delta >= 0 ? '+' : '−'}${formatCount(Math.abs(delta))}`));
  }
  if (d.kind === 'rule' && !d.live) return el('span', { class: 'diff-chip diff-chip-new' }, 'new');
  if (!d.fields?.length) return el('span', { class: 'muted' }, 'no difference from what is live');
  return el('span', { class: 'diff-fields' }, el('span', { class: 'muted' }, 'changes '), d.fields.map((f) => el('code', { class: 'diff-chip', dataset: { field: f } }, f)));
}

function ruleView(d) {
  const live = d.live ? withoutStored(d.live) : undefined;
  const proposed = d.proposed ?? {};
  const changed = new Set(d.fields ?? []);
  const keys = [...new Set([...RULE_FIELDS, ...Object.keys(live ?? {}), ...Object.keys(proposed)])].filter((k) => (live && k in live) || k in proposed);
  const leaves = live ? leafChanges(live, proposed) : [];
  return el(
    'div',
    { class: 'change-body' },
    leaves.length ? leavesView(leaves) : null,
    el(
      'table',
      { class: 'table diff-table', attrs: { 'aria-label': `${d.ruleId}: live and proposed` } },
      el(
        'thead',
        {},
        el('tr', {}, el('th', { scope: 'col' }, 'Field'), el('th', { scope: 'col' }, live ? `Live (v${d.live.version})` : 'Live'), el('th', { scope: 'col' }, 'Proposed')),
      ),
      el(
        'tbody',
        {},
        keys.map((k) => {
          const differs = changed.has(k) || !live;
          return el(
            'tr',
            { class: `diff-row${differs ? ' diff-changed' : ''}`, dataset: { field: k } },
            el('th', { scope: 'row', class: 'diff-field' }, el('code', {}, k), differs && live ? el('span', { class: 'diff-mark' }, 'changed') : null),
            el('td', { class: 'diff-cell diff-cell-live' }, live ? valueView(live[k], proposed[k], 'live', differs) : el('span', { class: 'muted' }, k === 'id' ? 'new rule' : '')),
            el('td', { class: 'diff-cell diff-cell-proposed' }, valueView(proposed[k], live?.[k], 'proposed', differs)),
          );
        }),
      ),
    ),
  );
}

/** The values that change, by their path inside the rule: `when.gt 5 → 3`. */
function leavesView(leaves) {
  const shown = leaves.slice(0, LEAVES_SHOWN);
  return el(
    'ul',
    { class: 'diff-leaves', dataset: { testid: 'diff-leaves' } },
    shown.map((l) =>
      el(
        'li',
        { class: 'diff-leaf', dataset: { path: l.path } },
        el('code', { class: 'diff-leaf-path' }, l.path),
        el('span', { class: 'diff-value diff-value-live', dataset: { side: 'live' } }, l.before === undefined ? 'absent' : text(l.before)),
        el('span', { class: 'diff-arrow', attrs: { 'aria-label': 'becomes' } }, '→'),
        el('span', { class: 'diff-value diff-value-proposed', dataset: { side: 'proposed' } }, l.after === undefined ? 'absent' : text(l.after)),
      ),
    ),
    leaves.length > shown.length ? el('li', { class: 'muted' }, `and ${formatCount(leaves.length - shown.length)} more values`) : null,
  );
}

function thresholdsView(d) {
  const changed = new Set(d.fields ?? []);
  const row = (key, label) =>
    el(
      'tr',
      { class: `diff-row${changed.has(key) ? ' diff-changed' : ''}`, dataset: { field: key } },
      el('th', { scope: 'row', class: 'diff-field' }, label, changed.has(key) ? el('span', { class: 'diff-mark' }, 'changed') : null),
      el('td', { class: 'num diff-number', dataset: { side: 'live' } }, d.live ? formatCount(d.live[key]) : '—'),
      el('td', { class: 'num diff-number', dataset: { side: 'proposed' } }, formatCount(d.proposed?.[key])),
    );
  return el(
    'div',
    { class: 'change-body' },
    el(
      'table',
      { class: 'table diff-table diff-thresholds', attrs: { 'aria-label': 'Decision thresholds: live and proposed' } },
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Score at or above'), el('th', { scope: 'col', class: 'num' }, 'Live'), el('th', { scope: 'col', class: 'num' }, 'Proposed'))),
      el('tbody', {}, row('review', 'Review'), row('decline', 'Decline')),
    ),
  );
}

const listOf = (d) => String(d.ruleId ?? '').replace(/^@list:/, '');

function listView(d) {
  const list = listOf(d);
  const allow = parseList(list)?.kind === 'allow';
  const { add, remove, import: imported, sample } = d.proposed ?? {};
  return el(
    'div',
    { class: 'change-body list-change' },
    el(
      'table',
      { class: 'table diff-table diff-thresholds', attrs: { 'aria-label': `${list}: entries live and proposed` } },
      // Counted when the change was drafted: the list may have moved since (an approval re-stages nothing).
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, ''), el('th', { scope: 'col', class: 'num' }, 'Before'), el('th', { scope: 'col', class: 'num' }, 'After'))),
      el(
        'tbody',
        {},
        el(
          'tr',
          { class: 'diff-row diff-changed', dataset: { field: 'entries' } },
          el('th', { scope: 'row', class: 'diff-field' }, 'Entries'),
          el('td', { class: 'num diff-number', dataset: { side: 'live' } }, formatCount(d.live?.entries ?? 0)),
          el('td', { class: 'num diff-number', dataset: { side: 'proposed' } }, formatCount(d.proposed?.entries)),
        ),
      ),
    ),
    imported
      ? el(
          'p',
          { class: 'list-import-mode', dataset: { testid: 'list-import-mode', mode: imported.mode } },
          `Imported from a CSV file: ${formatCount(imported.rows)} row${imported.rows === 1 ? '' : 's'}, `,
          el('strong', {}, imported.mode),
          imported.mode === 'replace' ? ': the rows become the whole list, every live entry not in them goes.' : ': the rows over the live list, an entry already there rewritten.',
        )
      : null,
    add?.length ? [el('h4', {}, `Added (${formatCount(add.length)})`), entriesTable(add, allow, 'list-added')] : null,
    remove?.length
      ? [
          el('h4', {}, `Removed (${formatCount(remove.length)})`),
          el('ul', { class: 'removed-values', dataset: { testid: 'list-removed' } }, remove.slice(0, ENTRIES_SHOWN).map((v) => el('li', { dataset: { value: v } }, el('code', { class: 'diff-value diff-value-live' }, v)))),
          remove.length > ENTRIES_SHOWN ? el('p', { class: 'muted' }, `and ${formatCount(remove.length - ENTRIES_SHOWN)} more`) : null,
        ]
      : null,
    imported && sample?.length
      ? [el('h4', {}, sample.length < imported.rows ? `First ${formatCount(sample.length)} of ${formatCount(imported.rows)} rows` : 'Rows'), entriesTable(sample, allow, 'list-sample')]
      : null,
  );
}

/** Entries as a change writes them: value, reason, expiry (unix ms) and, on an allow list, the rules. */
function entriesTable(entries, allow, testid) {
  const shown = entries.slice(0, ENTRIES_SHOWN);
  return [
    el(
      'table',
      { class: 'table diff-table list-entries-diff', dataset: { testid } },
      el('thead', {}, el('tr', {}, ['Value', 'Reason', 'Expires', ...(allow ? ['Exempt from'] : [])].map((h) => el('th', { scope: 'col' }, h)))),
      el(
        'tbody',
        {},
        shown.map((e) =>
          el(
            'tr',
            { dataset: { value: e.value } },
            el('td', {}, el('code', {}, e.value)),
            el('td', { class: 'entry-reason' }, e.reason),
            el('td', { class: 'nowrap num-font' }, e.expiresAt ? formatTime(e.expiresAt) : el('span', { class: 'muted' }, 'never')),
            allow ? el('td', {}, (e.rules ?? []).map((r, k) => [k ? ', ' : '', el('code', {}, r)])) : null,
          ),
        ),
      ),
    ),
    entries.length > shown.length ? el('p', { class: 'muted' }, `and ${formatCount(entries.length - shown.length)} more`) : null,
  ];
}

/** A kind this page has no view of its own for: both sides as JSON. */
function otherView(d) {
  return el(
    'div',
    { class: 'change-body' },
    el(
      'div',
      { class: 'diff-sides' },
      el('div', {}, el('h4', {}, 'Live'), d.live === undefined ? el('p', { class: 'muted' }, '—') : valueView(d.live, d.proposed, 'live', true)),
      el('div', {}, el('h4', {}, 'Proposed'), valueView(d.proposed, d.live, 'proposed', true)),
    ),
  );
}

function valueView(value, other, side, differs) {
  if (value === undefined) return el('span', { class: 'muted' }, '—');
  if (value !== null && typeof value === 'object') {
    return el(
      'pre',
      { class: 'diff-json' },
      jsonLines(value, differs ? other : value, 0, undefined, false).map((l) => el('span', { class: l.changed ? `diff-line diff-line-changed diff-line-${side}` : 'diff-line' }, l.text)),
    );
  }
  return el('span', { class: differs ? `diff-value diff-value-${side}` : 'diff-plain' }, text(value));
}

/** Pretty JSON as lines, each marked when the other side differs at that place. */
function jsonLines(value, other, indent, key, comma) {
  const pad = '  '.repeat(indent);
  const head = key === undefined ? '' : `${JSON.stringify(key)}: `;
  const tail = comma ? ',' : '';
  if (value === null || typeof value !== 'object') return [{ text: `${pad}${head}${JSON.stringify(value)}${tail}`, changed: !same(value, other) }];
  const isArray = Array.isArray(value);
  const [open, close] = isArray ? ['[', ']'] : ['{', '}'];
  const entries = isArray ? value.map((v, i) => [i, v]) : Object.entries(value);
  const shaped = other !== null && typeof other === 'object' && Array.isArray(other) === isArray;
  if (entries.length === 0) return [{ text: `${pad}${head}${open}${close}${tail}`, changed: !same(value, other) }];
  return [
    { text: `${pad}${head}${open}`, changed: !shaped },
    ...entries.flatMap(([k, v], i) => jsonLines(v, shaped ? other[k] : undefined, indent + 1, isArray ? undefined : k, i < entries.length - 1)),
    { text: `${pad}${close}${tail}`, changed: !shaped },
  ];
}

/** Every value that differs, by its dotted path; a value whose shape changed counts as one. */
function leafChanges(before, after, path = '') {
  if (same(before, after)) return [];
  const objects = before !== null && after !== null && typeof before === 'object' && typeof after === 'object' && Array.isArray(before) === Array.isArray(after);
  if (!objects) return [{ path: path || '(whole)', before, after }];
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return keys.flatMap((k) => leafChanges(before[k], after[k], path ? `${path}.${k}` : k));
}

function withoutStored(rule) {
  return Object.fromEntries(Object.entries(rule).filter(([k]) => !STORED_FIELDS.has(k)));
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
/** Strings as typed, everything else as JSON: a number stays a number to the eye. */
const text = (v) => (typeof v === 'string' ? v : JSON.stringify(v));
