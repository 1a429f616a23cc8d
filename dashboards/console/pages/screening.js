import { api } from '../api.js';
import { toast } from '../components/toast.js';
import { describeError, el, errorBox, replace } from '../dom.js';
import { formatCount, formatTime } from '../format.js';

/**
 * Name screening: the live list versions with their counts, a test box that screens a
 * typed name against them (candidates and scores), and the officers' false-positive
 * allowances, added and removed here. Every figure comes from the operator API.
 */
const DAY = 24 * 3600_000;
const KINDS = { sanction: 'Sanction', pep: 'PEP', both: 'Sanction + PEP' };

export function render(view, context) {
  context.setTitle('Screening');
  const summary = el('p', { class: 'muted page-summary' }, 'Loading the screening lists…');
  const listsBody = el('div', { class: 'table-card', dataset: { testid: 'screening-lists' } });
  const candidatesBody = el('div', { class: 'table-card', dataset: { testid: 'screening-candidates' }, attrs: { 'aria-live': 'polite' } });
  const allowancesBody = el('div', { class: 'table-card', dataset: { testid: 'screening-allowances' } });
  const allowanceMessage = el('div', { class: 'form-message', attrs: { 'aria-live': 'polite' } });
  let cancelled = false;

  const nameInput = el('input', { id: 'screening-name', name: 'name', type: 'search', autocomplete: 'off', maxLength: 1000, attrs: { placeholder: 'A name in any script' } });
  const checkForm = el(
    'form',
    { class: 'inline-controls', attrs: { 'aria-label': 'Screen a name' }, onsubmit: (e) => (e.preventDefault(), void check()) },
    el('label', { class: 'visually-hidden', htmlFor: 'screening-name' }, 'Name'),
    nameInput,
    el('button', { type: 'submit', class: 'button button-primary' }, 'Screen'),
  );

  const fields = {
    subject: el('input', { id: 'allowance-subject', name: 'subject', autocomplete: 'off', attrs: { placeholder: 'payer:<participant>:<walletId> or merchant:<merchantId>' } }),
    entityId: el('input', { id: 'allowance-entity', name: 'entityId', autocomplete: 'off' }),
    reason: el('input', { id: 'allowance-reason', name: 'reason', autocomplete: 'off', maxLength: 1000 }),
    expires: el('input', { id: 'allowance-expires', name: 'expires', type: 'date', value: dateInput(Date.now() + 90 * DAY), min: dateInput(Date.now() + DAY), max: dateInput(Date.now() + 364 * DAY) }),
  };
  const field = (id, label, input) => el('div', { class: 'field' }, el('label', { class: 'field-label', htmlFor: id }, label), input);
  const allowanceForm = el(
    'form',
    { class: 'allowance-form', attrs: { 'aria-label': 'Add an allowance', novalidate: '' }, onsubmit: (e) => (e.preventDefault(), void addAllowance()) },
    el(
      'div',
      { class: 'param-grid' },
      field('allowance-subject', 'Subject', fields.subject),
      field('allowance-entity', 'Entity id', fields.entityId),
      field('allowance-reason', 'Reason', fields.reason),
      field('allowance-expires', 'Expires', fields.expires),
    ),
    allowanceMessage,
    el('div', { class: 'toolbar' }, el('button', { type: 'submit', class: 'button button-primary' }, 'Add allowance')),
  );

  view.append(
    el(
      'section',
      { class: 'page page-screening' },
      el('div', { class: 'page-head' }, el('div', {}, el('h1', {}, 'Screening'), summary)),
      el('section', { class: 'card' }, el('div', { class: 'card-head' }, el('h2', {}, 'Live lists')), listsBody),
      el(
        'section',
        { class: 'card' },
        el('div', { class: 'card-head' }, el('h2', {}, 'Test a name')),
        el('p', { class: 'muted card-sub' }, 'Candidates at or above the threshold over every live list; allowances are not applied here.'),
        checkForm,
        candidatesBody,
      ),
      el(
        'section',
        { class: 'card' },
        el('div', { class: 'card-head' }, el('h2', {}, 'False-positive allowances')),
        el('p', { class: 'muted card-sub' }, 'The subject no longer hits the entity until the expiry; every other subject still does.'),
        allowanceForm,
        allowancesBody,
      ),
    ),
  );

  async function loadLists() {
    try {
      const answer = await api('/v1/screening/lists');
      if (cancelled) return;
      const lists = answer?.lists ?? [];
      const names = lists.reduce((n, l) => n + (l.names ?? 0), 0);
      summary.textContent = `${formatCount(lists.length)} live list${lists.length === 1 ? '' : 's'} · ${formatCount(names)} names`;
      replace(listsBody, lists.length === 0 ? el('div', { class: 'empty' }, 'No screening list is live.') : table('Live lists', ['List', 'Version', 'Entities', 'Names', 'Uploaded', 'On this node'], lists.map(listRow)));
    } catch (e) {
      if (cancelled) return;
      summary.textContent = '';
      replace(listsBody, errorBox('The screening lists could not be loaded.', e));
    }
  }

  async function check() {
    const name = nameInput.value.trim();
    if (!name) return;
    replace(candidatesBody, el('p', { class: 'muted' }, 'Screening…'));
    try {
      const answer = await api('/v1/screening/check', { method: 'POST', body: { name } });
      if (cancelled) return;
      const candidates = answer?.candidates ?? [];
      replace(
        candidatesBody,
        candidates.length === 0
          ? el('div', { class: 'empty', dataset: { testid: 'no-candidates' } }, `No candidate for “${name}” (${answer?.lists || 'no list'}).`)
          : table('Candidates', ['Entity', 'Kind', 'Matched name', 'List', 'Score', ''], candidates.map(candidateRow)),
      );
    } catch (e) {
      if (!cancelled) replace(candidatesBody, errorBox('The name could not be screened.', e));
    }
  }

  async function loadAllowances() {
    try {
      const answer = await api('/v1/screening/allowances');
      if (cancelled) return;
      const allowances = answer?.allowances ?? [];
      replace(
        allowancesBody,
        allowances.length === 0
          ? el('div', { class: 'empty' }, 'No allowance yet.')
          : table('Allowances', ['Subject', 'Entity', 'Reason', 'Expires', 'By', ''], allowances.map(allowanceRow)),
      );
    } catch (e) {
      if (!cancelled) replace(allowancesBody, errorBox('The allowances could not be loaded.', e));
    }
  }

  async function addAllowance() {
    const expires = Date.parse(`${fields.expires.value}T23:59:59Z`);
    const body = { subject: fields.subject.value.trim(), entityId: fields.entityId.value.trim(), reason: fields.reason.value.trim(), expiresAt: Number.isFinite(expires) ? new Date(expires).toISOString() : '' };
    const missing = Object.entries({ Subject: body.subject, 'Entity id': body.entityId, Reason: body.reason, Expires: body.expiresAt }).filter(([, v]) => !v).map(([k]) => k);
    if (missing.length > 0) return replace(allowanceMessage, errorBox(`Required: ${missing.join(', ')}.`));
    replace(allowanceMessage);
    try {
      await api('/v1/screening/allowances', { method: 'POST', body });
      toast(`Allowance added: ${body.subject} · ${body.entityId}`, 'success');
      fields.reason.value = '';
      await loadAllowances();
    } catch (e) {
      replace(allowanceMessage, errorBox('The allowance was not added.', e));
    }
  }

  async function removeAllowance(allowance, button) {
    button.disabled = true;
    try {
      await api(`/v1/screening/allowances/${encodeURIComponent(allowance.id)}`, { method: 'DELETE' });
      toast(`Allowance removed: ${allowance.subject} · ${allowance.entityId}`, 'success');
      await loadAllowances();
    } catch (e) {
      button.disabled = false;
      toast(`Could not remove the allowance: ${describeError(e)}`, 'error', 6000);
    }
  }

  const candidateRow = (c) =>
    el(
      'tr',
      { dataset: { entityId: c.entityId } },
      el('td', {}, el('code', {}, c.entityId)),
      el('td', {}, KINDS[c.kind] ?? c.kind),
      el('td', {}, c.matchedName),
      el('td', { class: 'nowrap' }, `${c.list} v${c.version}`),
      el('td', { class: 'num', dataset: { testid: 'candidate-score' } }, Number(c.score).toFixed(2)),
      el('td', {}, el('button', { type: 'button', class: 'button button-small', onclick: () => prefill(c) }, 'Allow…')),
    );

  function prefill(candidate) {
    fields.entityId.value = candidate.entityId;
    fields.subject.focus();
  }

  const allowanceRow = (a) => {
    const remove = el('button', { type: 'button', class: 'button button-small', attrs: { 'aria-label': `Remove the allowance of ${a.subject} for ${a.entityId}` } }, 'Remove');
    remove.addEventListener('click', () => void removeAllowance(a, remove));
    return el(
      'tr',
      { dataset: { allowanceId: a.id, active: String(a.active) } },
      el('td', {}, el('code', {}, a.subject)),
      el('td', {}, el('code', {}, a.entityId)),
      el('td', {}, a.reason),
      el('td', { class: 'nowrap' }, a.active ? formatTime(a.expiresAt) : `expired ${formatTime(a.expiresAt)}`),
      el('td', { class: 'nowrap' }, `${a.createdBy}, ${formatTime(a.createdAt)}`),
      el('td', {}, remove),
    );
  };

  void loadLists();
  void loadAllowances();
  return () => {
    cancelled = true;
  };
}

function listRow(l) {
  return el(
    'tr',
    { dataset: { list: l.name } },
    el('td', {}, el('code', {}, l.name)),
    el('td', { class: 'num' }, `v${l.version}`),
    el('td', { class: 'num' }, formatCount(l.entities)),
    el('td', { class: 'num' }, formatCount(l.names)),
    el('td', { class: 'nowrap' }, l.uploadedAt ? `${formatTime(l.uploadedAt)}${l.uploadedBy ? ` by ${l.uploadedBy}` : ''}` : '—'),
    el('td', { class: 'nowrap' }, l.installedVersion === l.version ? `v${l.installedVersion} since ${formatTime(l.installedAt)}` : l.installedVersion ? `v${l.installedVersion} (catching up)` : 'not yet'),
  );
}

function table(label, headings, rows) {
  const numeric = new Set(['Version', 'Entities', 'Names', 'Score']);
  return el(
    'table',
    { class: 'table', attrs: { 'aria-label': label } },
    el('thead', {}, el('tr', {}, headings.map((h) => el('th', { scope: 'col', class: numeric.has(h) ? 'num' : '' }, h)))),
    el('tbody', {}, rows),
  );
}

/** yyyy-mm-dd of a time, in UTC, for a date input. */
function dateInput(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}
