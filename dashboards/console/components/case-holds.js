import { api } from '../api.js';
import { describeError, el, replace } from '../dom.js';
import { formatCount } from '../format.js';
import { toast } from './toast.js';

/**
 * The settlements a case holds (reviewed payments approved for the payer with their settlement
 * held): listed, and released by an officer with a note (POST /v1/cases/:id/settlement-release),
 * in any state: closing the case without suspicion releases them by itself, an STR filed keeps
 * them held until this. Hidden while the case holds none.
 */
export function caseHolds(caseId, { onChanged }) {
  const list = el('ul', { class: 'held-list', dataset: { testid: 'case-held' } });
  const message = el('div', { attrs: { 'aria-live': 'polite' } });
  const note = el('textarea', { id: 'release-note', name: 'note', rows: 2, maxLength: 2000, required: true });
  const submit = el('button', { type: 'submit', class: 'button' }, 'Release all');
  const form = el(
    'form',
    { class: 'action-form' },
    el('label', { htmlFor: 'release-note' }, 'Why they may settle'),
    note,
    el('div', { class: 'inline-controls' }, submit),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    replace(message);
    const text = note.value.trim();
    if (!text) return replace(message, el('div', { class: 'notice notice-error', attrs: { role: 'alert' } }, 'Write why the settlements may be released.'));
    submit.disabled = true;
    try {
      const done = await api(`/v1/cases/${encodeURIComponent(caseId)}/settlement-release`, { method: 'POST', body: { note: text } });
      note.value = '';
      toast(`Released ${formatCount(done.released.length)} settlement${done.released.length === 1 ? '' : 's'}`, 'success');
      onChanged?.();
    } catch (e) {
      replace(message, el('div', { class: 'notice notice-error', attrs: { role: 'alert' } }, describeError(e)));
    } finally {
      submit.disabled = false;
    }
  });
  const count = el('p', { class: 'muted' });
  const element = el(
    'section',
    { class: 'card', hidden: true, attrs: { 'aria-labelledby': 'held-title' }, dataset: { testid: 'case-holds' } },
    el('h2', { id: 'held-title' }, 'Held settlements'),
    count,
    list,
    form,
    message,
  );
  return {
    element,
    show(paymentIds) {
      element.hidden = paymentIds.length === 0;
      replace(count, `${formatCount(paymentIds.length)} payment${paymentIds.length === 1 ? '' : 's'} approved for the payer, not yet settled.`);
      replace(list, paymentIds.map((id) => el('li', {}, el('code', { class: 'id-inline' }, id))));
    },
  };
}
