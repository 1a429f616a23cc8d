import { api } from '../api.js';
import { describeError, el, errorBox, replace } from '../dom.js';
import { formatTime } from '../format.js';
import { WINDOWS } from './backtest-panel.js';
import { jsonEditor } from './json-editor.js';
import { toast } from './toast.js';

/**
 * What can be done to a change set, by its state and by who is looking (docs/rules.md,
 * "Governance"): its author edits, submits (with a window the platform backtests the set
 * over, and for rule changes a shadow period on live payments) or discards it; another risk officer or an admin approves it, at once or for a time,
 * or sends it back with a comment. An admin may make a set not yet applied live at once,
 * alone, with a reason (the emergency path); a set made live so waits for an officer who is
 * neither its author nor who made it live to ratify it. The server enforces the same
 * (FOUR_EYES_REQUIRED, CHANGE_SET_NOT_AUTHOR); this only offers what can succeed, and says
 * why the rest is absent.
 */
const OPEN = new Set(['draft', 'returned']);
/** What an admin may make live in an emergency: anything not yet applied nor scheduled. */
const EMERGENCY_FROM = new Set(['draft', 'returned', 'submitted']);
/** The longest shadow period the server takes (`shadowHours`, server/routes/change-sets.ts). */
const MAX_SHADOW_HOURS = 168;

export function changeSetActions({ session, permissions, onChanged }) {
  const element = el('section', { class: 'card actions-card change-set-actions', dataset: { testid: 'change-set-actions' }, attrs: { 'aria-labelledby': 'change-set-actions-title' } });
  const message = el('div', { class: 'form-message', attrs: { 'aria-live': 'polite' } });
  let current;
  let editing = false;

  const url = (path = '') => `/v1/change-sets/${encodeURIComponent(current.id)}${path}`;

  async function run(button, work, done) {
    button.disabled = true;
    replace(message);
    try {
      const set = await work();
      if (done) toast(done, 'success');
      editing = false;
      onChanged(set);
    } catch (e) {
      replace(message, refusal(e));
      button.disabled = false;
    }
  }

  function refusal(e) {
    if (e?.code === 'FOUR_EYES_REQUIRED') {
      return el(
        'div',
        { class: 'notice notice-error', attrs: { role: 'alert' }, dataset: { testid: 'change-set-four-eyes' } },
        el('strong', {}, 'Four eyes: another risk officer or an admin must decide on this change set.'),
        el('span', { class: 'notice-detail' }, describeError(e)),
      );
    }
    return errorBox('The change set was not changed.', e);
  }

  function show(set) {
    current = set;
    replace(message);
    const mine = set.author === session.username;
    let body;
    if (!permissions.editRules) body = el('p', { class: 'muted' }, 'Your role can read change sets but not act on them.');
    else if (OPEN.has(set.state)) body = mine ? (editing ? editForm() : authorActions()) : el('p', { class: 'muted' }, `Drafted by ${set.author}: only its author edits, submits or discards it.`);
    else if (set.state === 'submitted') body = mine ? ownSubmitted() : decision();
    else if (set.state === 'scheduled') body = [el('p', {}, `Approved by ${set.approvedBy}; goes live at ${formatTime(set.activateAt)}.`), mine ? discardControl() : null];
    else body = el('p', { class: 'muted', dataset: { testid: 'change-set-closed' } }, closedText(set));
    const awaitingRatification = set.state === 'applied' && set.emergency && !set.approvedBy;
    replace(
      element,
      el('h2', { id: 'change-set-actions-title' }, 'Actions'),
      message,
      body,
      awaitingRatification && permissions.editRules ? ratification() : null,
      session.role === 'admin' && EMERGENCY_FROM.has(set.state) && !editing ? emergencyControl() : null,
    );
  }

  function authorActions() {
    let window = WINDOWS[0];
    const windowButtons = WINDOWS.map((w) =>
      el('button', { type: 'button', class: 'segment', dataset: { window: w.id }, attrs: { 'aria-pressed': String(w === window) } }, w.label),
    );
    for (const b of windowButtons) {
      b.addEventListener('click', () => {
        window = WINDOWS.find((w) => w.id === b.dataset.window) ?? window;
        for (const other of windowButtons) other.setAttribute('aria-pressed', String(other === b));
      });
    }
    const note = el('textarea', { id: 'change-set-note', rows: 3, maxLength: 5000, placeholder: 'Why, and what the approver should look at' });
    const submit = el('button', { type: 'submit', class: 'button button-primary' }, 'Submit for approval');
    // A backtest replays rules: a set of list entries or thresholds only has nothing to replay (the server says so in its evidence).
    const replayed = (current.changes ?? []).some((c) => c.kind === 'rule' || c.kind === 'mode');
    // The server tries in shadow only rules that could fire: a rule or a mode change turning one off has nothing to try.
    const tried = (current.changes ?? []).some((c) => (c.kind === 'rule' && c.rule?.mode !== 'off') || (c.kind === 'mode' && c.mode !== 'off'));
    const shadowHours = tried ? el('input', { id: 'change-set-shadow-hours', type: 'number', min: 1, max: MAX_SHADOW_HOURS, step: 1, placeholder: 'none', autocomplete: 'off' }) : null;
    const form = el(
      'form',
      // Checked here, so a bad number is said in the card rather than in the browser's own bubble.
      { class: 'action-form', noValidate: true, dataset: { testid: 'change-set-submit' } },
      replayed
        ? [
            el('div', { class: 'field' }, el('span', { class: 'field-label', id: 'change-set-window-label' }, 'Backtest window'), el('div', { class: 'segmented', attrs: { role: 'group', 'aria-labelledby': 'change-set-window-label' } }, windowButtons)),
            el('span', { class: 'field-hint' }, 'The platform replays this window of recorded transactions through the changed rules, for the approver to read.'),
          ]
        : el('span', { class: 'field-hint', dataset: { testid: 'change-set-no-backtest' } }, 'No backtest: this set changes no rule or mode, and a backtest replays rules only.'),
      shadowHours
        ? [
            el('label', { htmlFor: 'change-set-shadow-hours' }, 'Shadow period, hours ', el('span', { class: 'field-optional' }, '(optional)')),
            el('div', { class: 'shadow-hours' }, shadowHours),
            el('span', { class: 'field-hint' }, `For this many hours (1 to ${MAX_SHADOW_HOURS}) the changed rules also run on live payments in shadow, deciding nothing, their hits counted for the approver; empty for none.`),
          ]
        : null,
      el('label', { htmlFor: 'change-set-note' }, 'Note for the approver'),
      note,
      submit,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const hours = shadowHours && shadowHours.value.trim() !== '' ? Number(shadowHours.value) : undefined;
      if (shadowHours?.validity.badInput || (hours !== undefined && !(Number.isInteger(hours) && hours >= 1 && hours <= MAX_SHADOW_HOURS))) {
        replace(message, errorBox(`The shadow period is a whole number of hours from 1 to ${MAX_SHADOW_HOURS}, or empty for none.`));
        shadowHours.focus();
        return;
      }
      const to = new Date();
      const from = new Date(to.getTime() - window.ms);
      const body = { window: { from: from.toISOString(), to: to.toISOString() }, ...(note.value.trim() ? { note: note.value.trim() } : {}), ...(hours ? { shadowHours: hours } : {}) };
      const shadowed = hours ? ` and a ${hours}-hour shadow period` : '';
      void run(submit, () => api(url('/submit'), { method: 'POST', body }), replayed ? `Submitted for approval, with its backtest${shadowed}` : 'Submitted for approval');
    });
    const edit = el('button', { type: 'button', class: 'button' }, 'Edit');
    edit.addEventListener('click', () => {
      editing = true;
      show(current);
    });
    return [
      current.state === 'returned' && current.comment
        ? el('div', { class: 'notice notice-info', dataset: { testid: 'change-set-comment' } }, el('strong', {}, 'Sent back with this comment:'), el('span', { class: 'note-text' }, current.comment))
        : null,
      form,
      el('div', { class: 'toolbar' }, edit, discardControl()),
    ];
  }

  function editForm() {
    const title = el('input', { id: 'change-set-title', value: current.title, maxLength: 200, autocomplete: 'off' });
    const editor = jsonEditor({ value: JSON.stringify(current.changes, null, 2), label: 'Changes as JSON' });
    const save = el('button', { type: 'submit', class: 'button button-primary' }, 'Save');
    const cancel = el('button', { type: 'button', class: 'button button-quiet' }, 'Cancel');
    cancel.addEventListener('click', () => {
      editing = false;
      show(current);
    });
    const form = el(
      'form',
      { class: 'action-form change-set-edit' },
      el('label', { htmlFor: 'change-set-title' }, 'Title'),
      title,
      el('span', { class: 'field-label' }, 'Changes'),
      el('span', { class: 'field-hint' }, 'Each { "kind": "rule", "rule": {…} }, { "kind": "mode", "ruleId", "mode" }, { "kind": "thresholds", "review", "decline" } or { "kind": "list", "list": "block:wallet", "add": [{ "value", "reason", "expiresAt"? }], "remove": ["value"] }.'),
      editor.element,
      el('div', { class: 'toolbar' }, save, cancel),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      let changes;
      try {
        changes = JSON.parse(editor.value);
      } catch (e) {
        replace(message, errorBox('The changes are not valid JSON.', e));
        return;
      }
      void run(save, () => api(url(), { method: 'PUT', body: { title: title.value.trim(), changes } }), 'Change set saved');
    });
    return form;
  }

  function ownSubmitted() {
    return [
      el('p', { class: 'notice notice-info', dataset: { testid: 'change-set-own' } }, 'You drafted this change set: another risk officer or an admin approves it or sends it back.'),
      el('div', { class: 'toolbar' }, discardControl()),
    ];
  }

  function decision() {
    const approve = el('button', { type: 'button', class: 'button button-primary' }, 'Approve now');
    approve.addEventListener('click', () => run(approve, () => api(url('/approve'), { method: 'POST' }), 'Approved: live on every node'));

    const at = el('input', { id: 'change-set-activate-at', type: 'datetime-local', attrs: { step: 60 } });
    const schedule = el('button', { type: 'submit', class: 'button' }, 'Approve for this time');
    const later = el('form', { class: 'action-form' }, el('label', { htmlFor: 'change-set-activate-at' }, 'Or go live at (your time)'), el('div', { class: 'schedule-controls' }, at, schedule));
    later.addEventListener('submit', (event) => {
      event.preventDefault();
      const when = new Date(at.value);
      if (!at.value || Number.isNaN(when.getTime())) return replace(message, errorBox('Choose when it goes live.'));
      void run(schedule, () => api(url('/approve'), { method: 'POST', body: { activateAt: when.toISOString() } }), `Approved: goes live at ${formatTime(when)}`);
    });

    const comment = el('textarea', { id: 'change-set-return-comment', rows: 2, maxLength: 5000, placeholder: 'What to change' });
    const back = el('button', { type: 'submit', class: 'button' }, 'Send back');
    const returning = el('form', { class: 'action-form' }, el('label', { htmlFor: 'change-set-return-comment' }, 'Send back with a comment'), comment, back);
    returning.addEventListener('submit', (event) => {
      event.preventDefault();
      const text = comment.value.trim();
      if (!text) return replace(message, errorBox('Write what should change before sending it back.'));
      void run(back, () => api(url('/return'), { method: 'POST', body: { comment: text } }), 'Sent back to its author');
    });
    return [el('p', { class: 'muted' }, `Drafted by ${current.author}. Approving makes every change live at once, as one rule-set version.`), el('div', { class: 'toolbar' }, approve), later, returning];
  }

  /** The approval after the fact, by an officer who is neither its author nor who made it live. */
  function ratification() {
    const me = session.username;
    const due = `due by ${formatTime(current.ratifyBy)}`;
    if (current.author === me || current.activatedBy === me) {
      const who = current.author === me && current.activatedBy === me ? 'drafted it and made it live' : current.author === me ? 'drafted it' : 'made it live';
      return el('p', { class: 'notice notice-info', dataset: { testid: 'change-set-ratify-other' } }, `Waiting for ratification, ${due}. You ${who}: another risk officer or an admin ratifies it.`);
    }
    const ratify = el('button', { type: 'button', class: 'button button-primary' }, 'Ratify');
    ratify.addEventListener('click', () => run(ratify, () => api(url('/ratify'), { method: 'POST' }), 'Ratified'));
    return el(
      'div',
      { class: 'action-form ratify-form', dataset: { testid: 'change-set-ratify' } },
      el('p', {}, `Live without a second officer since ${formatTime(current.appliedAt)}, made live by ${current.activatedBy}; ratification ${due}. Read its changes, then approve them after the fact.`),
      el('div', { class: 'toolbar' }, ratify),
    );
  }

  /** An admin, alone: every change live at once, marked as an emergency and alerted until ratified. */
  function emergencyControl() {
    const reason = el('textarea', { id: 'change-set-emergency-reason', rows: 2, maxLength: 2000, placeholder: 'Why it cannot wait for a second officer' });
    const go = el('button', { type: 'submit', class: 'button button-danger' }, 'Activate now (emergency)');
    const form = el(
      'form',
      { class: 'action-form emergency-activation', dataset: { testid: 'change-set-emergency-form' } },
      el('h3', {}, 'Emergency'),
      el('p', { class: 'muted' }, 'Makes every change live at once without a second officer: marked as an emergency, alerted, and to be ratified by another officer within 24 hours.'),
      el('label', { htmlFor: 'change-set-emergency-reason' }, 'Reason (required)'),
      reason,
      go,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const text = reason.value.trim();
      if (!text) return replace(message, errorBox('Say why it cannot wait for a second officer.'));
      void run(go, () => api(url('/emergency'), { method: 'POST', body: { reason: text } }), 'Live now, as an emergency: another officer ratifies it within 24 hours');
    });
    return form;
  }

  /** Discarding is final: a second click confirms it. */
  function discardControl() {
    const discard = el('button', { type: 'button', class: 'button button-quiet' }, 'Discard');
    discard.addEventListener('click', () => {
      if (discard.dataset.confirm !== 'yes') {
        discard.dataset.confirm = 'yes';
        discard.textContent = 'Discard: click again to confirm';
        return;
      }
      void run(discard, () => api(url('/discard'), { method: 'POST' }), 'Change set discarded');
    });
    return discard;
  }

  return { element, show };
}

function closedText(set) {
  if (set.state === 'applied' && set.emergency) {
    const how = set.direct ? `Changed directly through the rule routes by ${set.activatedBy}` : `Made live in an emergency by ${set.activatedBy}`;
    const ratified = set.approvedBy ? `ratified by ${set.approvedBy}.` : 'not ratified yet.';
    return `${how}, ${formatTime(set.appliedAt)}, as rule-set version ${set.ruleSetVersion}; ${ratified}`;
  }
  if (set.state === 'applied') return `Applied ${formatTime(set.appliedAt)} as rule-set version ${set.ruleSetVersion}, approved by ${set.approvedBy}.`;
  if (set.state === 'stale') return 'Stale: a rule it changes moved before its time, and nothing of it went live. Draft it again against the live rules.';
  if (set.state === 'discarded') return 'Discarded by its author: nothing of it went live.';
  return `State: ${set.state}.`;
}
