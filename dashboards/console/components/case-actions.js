import { api } from '../api.js';
import { describeError, el, replace } from '../dom.js';
import { formatTime } from '../format.js';
import { outcomeBadge } from './badges.js';
import { toast } from './toast.js';

/**
 * What can be done to a case in its state (POST /v1/cases/:id/...): assign, start (an escalated
 * case is taken back), escalate, note, close with an outcome and a note, merge another case
 * in. The server decides; this offers what its workflow allows (cases/case.ts) and shows any
 * refusal with its code. What the officer typed survives a re-render caused by someone else.
 */
const OUTCOMES = [
  ['no_suspicion', 'No suspicion', 'looked into, nothing to report'],
  ['false_positive', 'False positive', 'the alerts were wrong'],
  ['str_filed', 'STR filed', 'needs the approved STR'],
];

/** What the state means for the officer, where there is nothing to start. */
const STATE_WORDS = {
  investigating: 'Under investigation.',
  pending_approval: 'Its STR is with compliance. Once approved, the case can be closed as STR filed.',
};

export function caseActions(caseId, { session, onChanged }) {
  const element = el('section', { class: 'card actions-card', attrs: { 'aria-labelledby': 'case-actions-title' } });
  const message = el('div', { attrs: { 'aria-live': 'polite' } });
  const draft = { to: '', reason: '', note: '', outcome: '', closeNote: '', from: '' };

  /** `forget` lists the drafts that went through: emptied before the card is drawn again. */
  async function act(button, path, body, done, forget = []) {
    button.disabled = true;
    replace(message);
    let changed;
    try {
      changed = await api(`/v1/cases/${encodeURIComponent(caseId)}/${path}`, { method: 'POST', body });
    } catch (e) {
      button.disabled = false;
      showError(describeError(e));
      return;
    }
    for (const field of forget) draft[field] = '';
    toast(done, 'success');
    onChanged(changed);
  }

  function showError(text) {
    replace(message, el('div', { class: 'notice notice-error', attrs: { role: 'alert' } }, text));
  }

  /** A form of one text field and a button; `submit(button, value, field)` acts on it. */
  function textForm({ id, label, field, placeholder, button, multiline = false, submit }) {
    const input = multiline
      ? el('textarea', { id, rows: 3, maxLength: 10_000, value: draft[field], placeholder, oninput: (e) => (draft[field] = e.target.value) })
      : el('input', { id, value: draft[field], placeholder, autocomplete: 'off', spellcheck: false, oninput: (e) => (draft[field] = e.target.value) });
    const go = el('button', { type: 'submit', class: 'button' }, button);
    const form = el('form', { class: 'action-form' }, el('label', { htmlFor: id }, label), multiline ? [input, go] : el('div', { class: 'inline-controls' }, input, go));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const value = input.value.trim();
      if (!value) return showError(`${label}: write something first.`);
      await submit(go, value, [field]);
    });
    return form;
  }

  function show(c) {
    if (c.state === 'closed') {
      replace(
        element,
        el('h2', { id: 'case-actions-title' }, 'Closed'),
        el('p', { class: 'resolution' }, outcomeBadge(c.outcome) ?? el('span', { class: 'badge' }, 'closed'), el('span', { class: 'muted' }, ` · by ${c.closedBy || '—'} · ${formatTime(c.closedAt)}`)),
        c.mergedInto ? el('p', {}, 'Merged into ', el('a', { href: `#/cases/${encodeURIComponent(c.mergedInto)}` }, c.mergedInto)) : null,
        c.closingNote ? el('blockquote', { class: 'resolution-note' }, c.closingNote) : null,
      );
      return;
    }
    const canStart = c.state === 'open' || c.state === 'escalated';
    const start = canStart ? el('button', { type: 'button', class: 'button button-primary' }, c.state === 'escalated' ? 'Take back' : 'Start investigating') : null;
    start?.addEventListener('click', () => act(start, 'start', undefined, c.state === 'escalated' ? 'Taken back' : 'Investigating'));

    const assign = textForm({
      id: 'case-assign-to',
      label: 'Assign to',
      field: 'to',
      placeholder: 'operator username',
      button: 'Assign',
      submit: (button, to, forget) => act(button, 'assign', { to }, `Assigned to ${to}`, forget),
    });
    assign.querySelector('input').value = draft.to || c.assignee || session.username;

    const note = textForm({ id: 'case-note', label: 'Note', field: 'note', placeholder: 'What you found', button: 'Add note', multiline: true, submit: (button, text, forget) => act(button, 'notes', { text }, 'Note added', forget) });

    const escalate =
      c.state === 'open' || c.state === 'investigating'
        ? textForm({ id: 'case-escalate-reason', label: 'Escalate', field: 'reason', placeholder: 'Why it needs someone else', button: 'Escalate', submit: (button, reason, forget) => act(button, 'escalate', { reason }, 'Escalated', forget) })
        : null;

    const merge = textForm({
      id: 'case-merge-from',
      label: 'Merge another case into this one',
      field: 'from',
      placeholder: 'case_…',
      button: 'Merge',
      submit: (button, from, forget) => (/^case_[a-f0-9]{24}$/.test(from) ? act(button, 'merge', { from }, `Merged ${from}`, forget) : showError('A case id reads case_ and 24 hex digits.')),
    });

    replace(
      element,
      el('h2', { id: 'case-actions-title' }, 'Actions'),
      message,
      el('div', { class: 'action-row' }, start, el('span', { class: 'muted' }, canStart ? (c.assignee ? '' : 'You become its assignee.') : STATE_WORDS[c.state] ?? '')),
      assign,
      note,
      escalate,
      el('hr'),
      closeForm(c),
      el('hr'),
      merge,
    );
  }

  function closeForm(c) {
    const note = el('textarea', { id: 'case-close-note', rows: 3, maxLength: 10_000, value: draft.closeNote, placeholder: 'Why the case is closed so', oninput: (e) => (draft.closeNote = e.target.value) });
    const close = el('button', { type: 'submit', class: 'button button-primary' }, 'Close case');
    const form = el(
      'form',
      { class: 'action-form' },
      el(
        'fieldset',
        { class: 'choices' },
        el('legend', {}, 'Outcome'),
        OUTCOMES.map(([value, label, hint]) =>
          el(
            'label',
            { class: 'choice' },
            el('input', { type: 'radio', name: 'outcome', value, checked: draft.outcome === value, onchange: () => (draft.outcome = value) }),
            el('span', {}, el('strong', {}, label), el('span', { class: 'muted' }, hint)),
          ),
        ),
      ),
      el('label', { htmlFor: 'case-close-note' }, 'Closing note'),
      note,
      close,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const outcome = form.querySelector('input[name="outcome"]:checked')?.value;
      if (!outcome) return showError('Choose the outcome.');
      if (!note.value.trim()) return showError('Write the closing note.');
      await act(close, 'close', { outcome, note: note.value.trim() }, `Closed: ${outcome.replaceAll('_', ' ')}`, ['outcome', 'closeNote']);
    });
    form.dataset.state = c.state;
    return form;
  }

  return { element, show };
}
