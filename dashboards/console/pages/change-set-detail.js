import { api } from '../api.js';
import { changeSetActions } from '../components/change-set-actions.js';
import { changeSetDiff } from '../components/change-set-diff.js';
import { changeSetEvidence } from '../components/change-set-evidence.js';
import { changeSetStateBadge, emergencyBadges, overdue } from '../components/change-set-state.js';
import { toast } from '../components/toast.js';
import { el, errorBox, facts, replace } from '../dom.js';
import { formatTime } from '../format.js';

/**
 * One change set: each change next to what is live, the evidence it was submitted with
 * (the backtest over its window), and what the officer looking at it may do, by its state
 * and by whether they drafted it.
 */
export function render(view, context) {
  const id = context.params[0];
  context.setTitle(`Change set ${id}`);
  const { session, permissions } = context;
  let current;
  let seq = 0;

  const head = el('div', { class: 'page-head page-head-stacked' }, el('h1', {}, 'Change set ', el('code', {}, id)), el('p', { class: 'muted' }, 'Loading…'));
  const changesCard = el('section', { class: 'card', dataset: { testid: 'change-set-diff' }, attrs: { 'aria-labelledby': 'change-set-changes-title' } });
  const factsCard = el('section', { class: 'card', dataset: { testid: 'change-set-facts' }, attrs: { 'aria-labelledby': 'change-set-facts-title' } });
  const evidence = changeSetEvidence();
  const actions = changeSetActions({ session, permissions, onChanged: () => load() });
  const body = el(
    'div',
    { class: 'detail-grid change-set-grid', hidden: true },
    el('div', { class: 'detail-main' }, changesCard, evidence.element),
    el('aside', { class: 'detail-side' }, actions.element, factsCard),
  );
  view.append(el('section', { class: 'page page-change-set' }, el('a', { href: '#/change-sets', class: 'back-link' }, '← All change sets'), head, body));

  async function load() {
    const mine = ++seq;
    let answer;
    try {
      answer = await api(`/v1/change-sets/${encodeURIComponent(id)}`);
    } catch (e) {
      if (mine !== seq) return;
      if (current) return toast(`The change set could not be read again: ${e.message}`, 'error');
      replace(head, el('h1', {}, 'Change set ', el('code', {}, id)), errorBox(e.code === 'CHANGE_SET_NOT_FOUND' ? 'There is no such change set.' : 'The change set could not be loaded.', e));
      return;
    }
    if (mine !== seq) return;
    current = answer.changeSet;
    body.hidden = false;
    view.querySelector('.page-change-set').dataset.state = current.state;
    renderHead(current);
    replace(
      changesCard,
      el('div', { class: 'card-head' }, el('h2', { id: 'change-set-changes-title' }, `Changes (${current.changes.length})`), el('span', { class: 'muted' }, 'live against proposed, what differs marked')),
      changeSetDiff(answer.diff),
    );
    renderFacts(current);
    evidence.show(current);
    actions.show(current);
  }

  function renderHead(set) {
    context.setTitle(`Change set · ${set.title}`);
    replace(
      head,
      el('div', { class: 'title-row' }, el('h1', { dataset: { testid: 'change-set-title' } }, set.title), el('span', { dataset: { testid: 'change-set-state' } }, changeSetStateBadge(set.state)), emergencyBadges(set)),
      el(
        'p',
        { class: 'muted' },
        el('code', { class: 'id-inline' }, set.id),
        ` · drafted by `,
        el('strong', { dataset: { testid: 'change-set-author' } }, set.author),
        set.author === session.username ? ' (you)' : '',
        ` · ${formatTime(set.createdAt)}`,
      ),
    );
  }

  function renderFacts(set) {
    replace(
      factsCard,
      el('h2', { id: 'change-set-facts-title' }, 'Change set'),
      facts([
        ['State', changeSetStateBadge(set.state)],
        ['Author', set.author],
        ['Created', formatTime(set.createdAt)],
        ['Last change', formatTime(set.updatedAt)],
        ['Submitted', set.submittedAt ? formatTime(set.submittedAt) : ''],
        ...(set.emergency
          ? [
              ['Made live', el('span', { dataset: { testid: 'change-set-path' } }, set.direct ? 'directly, through the rule routes' : 'in an emergency, by an admin alone')],
              ['Activated by', el('span', { dataset: { testid: 'change-set-activated-by' } }, set.activatedBy)],
              ['Why it could not wait', set.emergencyReason || ''],
              ['Ratify by', set.ratifyBy ? ratifyBy(set) : ''],
              ['Ratified by', set.approvedBy ? el('span', { dataset: { testid: 'change-set-approved-by' } }, set.approvedBy) : el('span', { class: 'muted' }, 'nobody yet')],
              ['Ratified', set.approvedAt ? formatTime(set.approvedAt) : ''],
            ]
          : [
              ['Approved by', set.approvedBy ? el('span', { dataset: { testid: 'change-set-approved-by' } }, set.approvedBy) : ''],
              ['Approved', set.approvedAt ? formatTime(set.approvedAt) : ''],
            ]),
        ['Goes live at', set.activateAt ? formatTime(set.activateAt) : ''],
        ['Applied', set.appliedAt ? formatTime(set.appliedAt) : ''],
        ['Rule-set version', set.ruleSetVersion ? el('code', { dataset: { testid: 'change-set-version' } }, set.ruleSetVersion) : ''],
        ['Based on', el('span', { class: 'base-versions' }, Object.entries(set.base ?? {}).map(([claim, version], k) => [k ? ', ' : '', el('code', {}, claim), ` ${baseText(claim, version)}`]))],
      ]),
      set.comment && set.state !== 'returned' ? el('p', { class: 'muted' }, `Last sent back with: ${set.comment}`) : null,
    );
  }

  void load();
  return () => {
    seq++;
    evidence.stop();
  };
}

/** The due time of the approval after the fact: once passed, it is marked (a critical alert is raised then too). */
function ratifyBy(set) {
  const late = overdue(set);
  return el('span', { class: late ? 'ratify-overdue' : '', dataset: { testid: 'change-set-ratify-by' } }, formatTime(set.ratifyBy), late ? ' · overdue' : '');
}

/** What a change was drafted against: a rule's version, a list's generation, the thresholds as they were. */
function baseText(claim, version) {
  if (typeof version !== 'number') return String(version);
  if (claim.startsWith('@list:')) return version ? `generation ${version}` : 'never edited';
  return version ? `v${version}` : 'new';
}
