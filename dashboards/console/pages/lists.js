import { emergencyBlockForm, emergencyReview } from '../components/emergency-blocks.js';
import { listDraft } from '../components/list-draft.js';
import { listEntries } from '../components/list-entries.js';
import { listImport } from '../components/list-import.js';
import { DEFAULT_LIST, LIST_KINDS, LIST_TYPES, parseList } from '../components/list-kinds.js';
import { el, replace } from '../dom.js';

/**
 * The typed block and allow lists (docs/rules.md, "Typed lists"): one list at a time, chosen
 * by kind and type and kept in the URL (`#/lists?list=block:ip`), with its live entries; for
 * risk officers and admins, the ways to change it: a CSV import or a few entries, each drafted
 * as a change set for a second officer, and on a block list the emergency block, in force at
 * once and reviewed afterwards. The emergency blocks of every list waiting for review come first.
 */
export function render(view, context) {
  context.setTitle('Lists');
  const { session, permissions } = context;
  let list = parseList(context.query.get('list')) ? context.query.get('list') : DEFAULT_LIST;
  let entries;

  const review = emergencyReview({
    session,
    permissions,
    onReviewed: (reviewed) => {
      if (reviewed === list) void entries?.reload();
    },
  });
  const kinds = el('div', { class: 'segmented', attrs: { role: 'group', 'aria-label': 'Kind of list' } });
  const types = el('div', { class: 'segmented list-types', attrs: { role: 'group', 'aria-label': 'Kind of subject' } });
  const kindHint = el('span', { class: 'muted list-kind-hint' });
  const main = el('div', { class: 'detail-main' });
  const side = el('aside', { class: 'detail-side' });
  view.append(
    el(
      'section',
      { class: 'page page-lists' },
      el(
        'div',
        { class: 'page-head' },
        el('div', {}, el('h1', {}, 'Lists'), el('p', { class: 'muted' }, 'Block and allow lists by kind of subject. Every change goes through a change set, except an emergency block.')),
      ),
      review.element,
      el('div', { class: 'list-picker' }, kinds, types, kindHint),
      permissions.editRules ? el('div', { class: 'detail-grid list-grid' }, main, side) : main,
    ),
  );

  const draftedLink = (set) => el('a', { href: `#/change-sets/${encodeURIComponent(set.id)}`, class: 'change-set-link', dataset: { testid: 'drafted-link' } }, set.title);

  function choose(next) {
    if (next === list) return;
    list = next;
    history.replaceState(null, '', `#/lists?list=${list}`);
    show();
  }

  function show() {
    const { kind, type } = parseList(list);
    replace(
      kinds,
      LIST_KINDS.map((k) =>
        el('button', { type: 'button', class: 'segment', dataset: { kind: k.id }, attrs: { 'aria-pressed': String(k.id === kind) }, onclick: () => choose(`${k.id}:${type}`) }, k.label),
      ),
    );
    replace(
      types,
      LIST_TYPES.map((t) =>
        el('button', { type: 'button', class: 'segment', dataset: { type: t.id }, attrs: { 'aria-pressed': String(t.id === type) }, onclick: () => choose(`${kind}:${t.id}`) }, t.label),
      ),
    );
    kindHint.textContent = `${LIST_KINDS.find((k) => k.id === kind).label} list: ${LIST_KINDS.find((k) => k.id === kind).hint}.`;
    context.setTitle(`Lists · ${list}`);
    entries?.stop();
    entries = listEntries(list);
    replace(main, entries.element);
    if (!permissions.editRules) return;
    // The usual way first (a change set for a second officer), the emergency block last.
    replace(
      side,
      listImport(list, { draftedLink }).element,
      listDraft(list, { draftedLink }).element,
      kind === 'block' ? emergencyBlockForm(list, { onBlocked: () => void Promise.all([entries.reload(), review.reload()]) }).element : null,
    );
  }

  show();
  return () => {
    entries?.stop();
    review.stop();
  };
}
