import { api } from '../api.js';
import { modeBadge } from '../components/badges.js';
import { toast } from '../components/toast.js';
import { describeError, el, errorBox, replace } from '../dom.js';
import { formatCount, formatTime } from '../format.js';

/**
 * The rule set: every rule with its mode, and for risk officers the switch between
 * enforce, shadow (scored, never decides) and off. Editing happens on the rule's own page,
 * saved at once or proposed in a change set for a second officer to approve.
 */
export const MODES = [
  { mode: 'enforce', action: 'enable', label: 'Enforce', hint: 'decides payments' },
  { mode: 'shadow', action: 'shadow', label: 'Shadow', hint: 'recorded, never decides' },
  { mode: 'off', action: 'disable', label: 'Off', hint: 'not evaluated' },
];

export function render(view, context) {
  context.setTitle('Rules');
  const { permissions } = context;
  const summary = el('p', { class: 'muted page-summary' }, 'Loading the rules…');
  const content = el('div');
  view.append(
    el(
      'section',
      { class: 'page page-rules' },
      el('div', { class: 'page-head' }, el('div', {}, el('h1', {}, 'Rules'), summary)),
      permissions.editRules
        ? el('p', { class: 'muted rules-governance' }, 'To have a second officer approve a change, edit the rule and propose it in a change set. The mode switch acts at once.')
        : null,
      content,
    ),
  );
  let rules = [];
  let ruleSetVersion;
  let cancelled = false;

  async function load() {
    try {
      const answer = await api('/v1/rules');
      if (cancelled) return;
      rules = answer?.rules ?? [];
      ruleSetVersion = answer?.ruleSetVersion;
      renderTable();
    } catch (e) {
      if (cancelled) return;
      summary.textContent = '';
      replace(content, errorBox('The rules could not be loaded.', e));
    }
  }

  function renderSummary() {
    const byMode = (m) => rules.filter((r) => r.mode === m).length;
    summary.replaceChildren(
      `${formatCount(rules.length)} rules · ${byMode('enforce')} enforced · ${byMode('shadow')} in shadow · ${byMode('off')} off`,
      ruleSetVersion ? el('span', {}, ' · rule set ', el('code', {}, String(ruleSetVersion))) : '',
    );
  }

  function renderTable() {
    renderSummary();
    const sorted = [...rules].sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0) || String(a.id).localeCompare(String(b.id)));
    replace(
      content,
      el(
        'div',
        { class: 'card table-card' },
        el(
          'table',
          { class: 'table rules-table', attrs: { 'aria-label': 'Rules' } },
          el(
            'thead',
            {},
            el('tr', {}, ['Rule', 'Typology', 'Priority', 'Version', 'Updated', 'Mode'].map((h) => el('th', { scope: 'col', class: h === 'Priority' || h === 'Version' ? 'num' : '' }, h))),
          ),
          el('tbody', {}, sorted.map(rowOf)),
        ),
      ),
    );
  }

  function rowOf(rule) {
    return el(
      'tr',
      { dataset: { ruleId: rule.id, mode: rule.mode } },
      el(
        'td',
        { class: 'rule-cell' },
        el('a', { href: `#/rules/${encodeURIComponent(rule.id)}`, class: 'rule-link' }, rule.id),
        el('span', { class: 'reason-line' }, rule.description ?? ''),
      ),
      el('td', {}, rule.typology ?? ''),
      el('td', { class: 'num' }, String(rule.priority ?? '—')),
      el('td', { class: 'num' }, rule.version === undefined ? '—' : `v${rule.version}`),
      el('td', { class: 'nowrap' }, changedAt(rule)),
      el('td', { class: 'nowrap' }, permissions.editRules ? modeSwitch(rule, (updated) => replaceRule(updated)) : modeBadge(rule.mode)),
    );
  }

  function replaceRule(updated) {
    rules = rules.map((r) => (r.id === updated.id ? updated : r));
    renderSummary();
    const row = content.querySelector(`tr[data-rule-id="${CSS.escape(updated.id)}"]`);
    row?.replaceWith(rowOf(updated));
  }

  void load();
  return () => {
    cancelled = true;
  };
}

/** When and by whom this version was written: `updatedAt` or the store's `createdAt` (ms) and `createdBy`; who approved it, when a change set made it. */
export function changedAt(rule) {
  const at = rule.updatedAt ?? rule.createdAt;
  if (at === undefined || at === null) return '—';
  const when = formatTime(at);
  const by = rule.createdBy ? `${when} by ${rule.createdBy}` : when;
  return rule.approvedBy ? `${by}, approved by ${rule.approvedBy}` : by;
}

/** Enforce / Shadow / Off as one control; the server answers with the rule as it now is. */
export function modeSwitch(rule, onChanged) {
  const group = el('div', { class: 'segmented', attrs: { role: 'group', 'aria-label': `Mode of ${rule.id}` } });
  for (const { mode, action, label, hint } of MODES) {
    const button = el(
      'button',
      { type: 'button', class: `segment segment-${mode}`, title: hint, attrs: { 'aria-pressed': String(rule.mode === mode) }, dataset: { mode } },
      label,
    );
    button.addEventListener('click', async () => {
      if (rule.mode === mode) return;
      group.querySelectorAll('button').forEach((b) => (b.disabled = true));
      try {
        const answer = await api(`/v1/rules/${encodeURIComponent(rule.id)}/${action}`, { method: 'POST' });
        toast(`${rule.id}: ${label.toLowerCase()}`, 'success');
        onChanged(answer?.rule ?? { ...rule, mode });
      } catch (e) {
        group.querySelectorAll('button').forEach((b) => (b.disabled = false));
        toast(`Could not change ${rule.id}: ${describeError(e)}`, 'error', 6000);
      }
    });
    group.append(button);
  }
  return group;
}
