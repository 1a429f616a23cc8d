import { api } from '../api.js';
import { CHANGE_SET_GROUPS, RATIFY_GROUP, changeSetStateBadge, changeSummary, emergencyBadges, overdue } from '../components/change-set-state.js';
import { el, errorBox, replace } from '../dom.js';
import { formatCount, formatTime } from '../format.js';

/**
 * Change sets (docs/rules.md, "Governance"): rule changes that go live only once a second
 * officer approves them. Grouped as they wait: drafts and sets sent back, sets waiting for
 * approval, sets live without one (an emergency, a direct rule change) waiting for it after
 * the fact, sets scheduled for a time, and the history. The group is in the URL
 * (`#/change-sets?group=waiting`). New drafts start from a rule's page ("Propose in a
 * change set") or the lists page.
 */
export function render(view, context) {
  context.setTitle('Change sets');
  const { session } = context;
  const groups = [...CHANGE_SET_GROUPS.slice(0, 2), RATIFY_GROUP, ...CHANGE_SET_GROUPS.slice(2)];
  let group = groups.find((g) => g.id === context.query.get('group')) ?? CHANGE_SET_GROUPS[1];
  let sets = [];
  let awaiting = [];
  let cancelled = false;

  const summary = el('p', { class: 'muted page-summary', attrs: { 'aria-live': 'polite' } }, 'Loading the change sets…');
  const tabs = el('div', { class: 'segmented change-set-tabs', attrs: { role: 'group', 'aria-label': 'Change sets by state' } });
  const content = el('div');
  const ratifyNotice = el('div', { dataset: { testid: 'ratify-notice' } });
  const refresh = el('button', { type: 'button', class: 'button button-quiet' }, 'Refresh');
  refresh.addEventListener('click', () => void load());
  view.append(
    el(
      'section',
      { class: 'page page-change-sets' },
      el('div', { class: 'page-head' }, el('div', {}, el('h1', {}, 'Change sets'), summary), refresh),
      ratifyNotice,
      el('div', { class: 'change-set-toolbar' }, tabs, el('span', { class: 'muted' }, 'Draft one from a rule (edit it, then "Propose in a change set") or from a list.')),
      content,
    ),
  );

  async function load() {
    try {
      const [answer, waiting] = await Promise.all([api('/v1/change-sets'), api('/v1/change-sets/awaiting-ratification')]);
      if (cancelled) return;
      sets = answer?.changeSets ?? [];
      awaiting = waiting?.changeSets ?? [];
      renderAll();
    } catch (e) {
      if (cancelled) return;
      summary.textContent = '';
      replace(content, errorBox('The change sets could not be loaded.', e));
    }
  }

  function inGroup(g) {
    if (g === RATIFY_GROUP) return awaiting;
    return sets.filter((s) => g.states.includes(s.state));
  }

  function renderAll() {
    const waitingForMe = inGroup(CHANGE_SET_GROUPS[1]).filter((s) => s.author !== session.username).length;
    summary.textContent = `${formatCount(sets.length)} change set${sets.length === 1 ? '' : 's'}${waitingForMe ? ` · ${formatCount(waitingForMe)} waiting for an approver other than its author` : ''}`;
    const late = awaiting.filter(overdue).length;
    replace(
      ratifyNotice,
      awaiting.length && group !== RATIFY_GROUP
        ? el(
            'div',
            { class: `notice ${late ? 'notice-error' : 'notice-info'}`, attrs: { role: late ? 'alert' : 'status' } },
            el('strong', {}, `${formatCount(awaiting.length)} change set${awaiting.length === 1 ? ' is' : 's are'} live without a second officer's approval${late ? `, ${formatCount(late)} overdue` : ''}.`),
            el('span', {}, 'An officer who is neither its author nor who made it live ratifies it: ', ratifyLink(), '.'),
          )
        : null,
    );
    replace(
      tabs,
      groups.map((g) =>
        el(
          'button',
          { type: 'button', class: 'segment', dataset: { group: g.id }, attrs: { 'aria-pressed': String(g === group) }, onclick: () => setGroup(g) },
          g.label,
          el('span', { class: 'segment-count' }, ` ${formatCount(inGroup(g).length)}`),
        ),
      ),
    );
    renderTable();
  }

  function ratifyLink() {
    const link = el('a', { href: '#/change-sets?group=ratify' }, 'see them');
    link.addEventListener('click', (event) => {
      event.preventDefault();
      setGroup(RATIFY_GROUP);
    });
    return link;
  }

  function setGroup(g) {
    if (g === group) return;
    group = g;
    history.replaceState(null, '', `#/change-sets?group=${g.id}`);
    renderAll();
  }

  function renderTable() {
    const rows = inGroup(group);
    if (rows.length === 0) return replace(content, el('div', { class: 'card' }, el('p', { class: 'empty muted' }, group.empty)));
    const when = group.id === 'scheduled' ? 'Goes live' : group.id === 'history' ? 'Outcome' : group.id === 'waiting' ? 'Submitted' : group.id === 'ratify' ? 'Live since · ratify by' : 'Last change';
    replace(
      content,
      el(
        'div',
        { class: 'card table-card' },
        el(
          'table',
          { class: 'table change-sets-table', attrs: { 'aria-label': `Change sets: ${group.label}` } },
          el('thead', {}, el('tr', {}, ['Title', 'Changes', 'Author', 'State', when].map((h) => el('th', { scope: 'col' }, h)))),
          el('tbody', {}, rows.map(rowOf)),
        ),
      ),
    );
  }

  function rowOf(set) {
    return el(
      'tr',
      { dataset: { changeSetId: set.id, state: set.state } },
      el('td', { class: 'rule-cell' }, el('a', { href: `#/change-sets/${encodeURIComponent(set.id)}`, class: 'change-set-link' }, set.title), el('span', { class: 'reason-line id-inline' }, set.id)),
      el(
        'td',
        {},
        el(
          'ul',
          { class: 'change-chips' },
          set.changes.map((c) => {
            const { kind, id } = changeSummary(c);
            return el('li', { class: 'change-chip' }, el('span', { class: 'muted' }, kind), ' ', el('code', {}, id));
          }),
        ),
      ),
      el('td', { class: 'nowrap' }, set.author, set.author === session.username ? el('span', { class: 'muted' }, ' (you)') : null),
      el('td', { class: 'nowrap' }, changeSetStateBadge(set.state), emergencyBadges(set)),
      el('td', { class: 'nowrap num-font' }, whenOf(set)),
    );
  }

  function whenOf(set) {
    if (set.state === 'scheduled') return formatTime(set.activateAt);
    if (set.state === 'applied' && group === RATIFY_GROUP) return `${set.ruleSetVersion} · ${formatTime(set.appliedAt)} by ${set.activatedBy} · ratify by ${formatTime(set.ratifyBy)}`;
    if (set.state === 'applied' && set.emergency) return `${set.ruleSetVersion} · ${formatTime(set.appliedAt)} · by ${set.activatedBy}${set.approvedBy ? `, ratified by ${set.approvedBy}` : ', not ratified'}`;
    if (set.state === 'applied') return `${set.ruleSetVersion} · ${formatTime(set.appliedAt)} · by ${set.approvedBy}`;
    if (set.state === 'submitted') return formatTime(set.submittedAt);
    return formatTime(set.updatedAt);
  }

  void load();
  return () => {
    cancelled = true;
  };
}
