import { api, apiFile } from '../api.js';
import { describeError, el, errorBox, facts, replace } from '../dom.js';
import { formatCount, formatDecimal, formatTime } from '../format.js';
import { strStateBadge } from './badges.js';
import { figureTable } from './figure-table.js';
import { saveFile } from './save-file.js';
import { toast } from './toast.js';

/**
 * The case's suspicious transaction report (docs/cases.md): compliance drafts it from the
 * case, writes the narrative and the measures taken, and submits it; a second compliance
 * officer approves it or sends it back with a comment (the drafter cannot: four eyes, which
 * the server enforces and this shows). Once approved it is exported as XML, JSON or a
 * printable page, and its filing reference recorded. Exports are downloads fetched with the
 * token in a header, never a URL that carries it.
 */
const EXPORTS = [
  ['xml', 'XML'],
  ['json', 'JSON'],
  ['html', 'Printable page (HTML)'],
];
const EDITABLE = new Set(['draft', 'returned']);

export function strPanel(caseId, { session, permissions, onChanged }) {
  const element = el('section', { class: 'card str-card', attrs: { 'aria-labelledby': 'str-title' }, dataset: { testid: 'str-panel' } });
  const message = el('div', { class: 'str-message', attrs: { 'aria-live': 'polite' } });
  /** What the officer typed into the current STR, kept across re-renders until it is saved. */
  let edits = { strId: '', narrative: undefined, measuresTaken: undefined };
  let current;
  let caseState = '';
  /** What was drawn last: an update that changes none of it leaves the panel (and the focus) alone. */
  let drawn = '';

  const strUrl = (path = '') => `/v1/strs/${encodeURIComponent(current.id)}${path}`;

  async function run(button, work, done) {
    button.disabled = true;
    replace(message);
    try {
      const str = await work();
      if (done) toast(done, 'success');
      onChanged(str);
    } catch (e) {
      replace(message, refusal(e));
    } finally {
      button.disabled = false;
    }
  }

  function refusal(e) {
    if (e?.code === 'FOUR_EYES_REQUIRED') {
      return el(
        'div',
        { class: 'notice notice-error', attrs: { role: 'alert' }, dataset: { testid: 'str-four-eyes' } },
        el('strong', {}, 'Four eyes: another compliance officer must decide on this report.'),
        el('span', { class: 'notice-detail' }, describeError(e)),
      );
    }
    return errorBox('The STR was not changed.', e);
  }

  /** Saves what was typed, if anything; the STR as the server has it afterwards. */
  async function saveEdits() {
    const body = {};
    if (edits.strId === current.id && edits.narrative !== undefined) body.narrative = edits.narrative;
    if (edits.strId === current.id && edits.measuresTaken !== undefined) body.measuresTaken = edits.measuresTaken;
    if (Object.keys(body).length === 0) return current;
    const saved = await api(strUrl(), { method: 'PUT', body });
    edits = { strId: saved.id, narrative: undefined, measuresTaken: undefined };
    return saved;
  }

  function show(strs, c) {
    caseState = c?.state ?? caseState;
    current = strs?.at(-1);
    const version = `${current?.id}|${current?.state}|${current?.updatedAt}|${strs?.length}|${caseState}`;
    if (version === drawn) return;
    drawn = version;
    if (!current) return showNone();
    if (edits.strId !== current.id) edits = { strId: current.id, narrative: undefined, measuresTaken: undefined };
    const doc = current.document ?? {};
    element.dataset.state = current.state;
    element.dataset.strId = current.id;
    replace(
      element,
      el('div', { class: 'card-head' }, el('h2', { id: 'str-title' }, 'Suspicious transaction report'), el('span', { dataset: { testid: 'str-state' } }, strStateBadge(current.state))),
      el('p', { class: 'card-sub muted' }, el('code', {}, current.id), doc.version > 1 ? ` · version ${doc.version}, correcting ${doc.correctsStrId}` : '', strs.length > 1 ? ` · the latest of ${strs.length}` : '', ` · drafted by ${current.draftedBy}`, current.submittedBy ? ` · submitted by ${current.submittedBy}` : '', current.approvedBy ? ` · approved by ${current.approvedBy}` : ''),
      message,
      current.state === 'returned' && current.comment ? el('div', { class: 'notice notice-info', dataset: { testid: 'str-comment' } }, el('strong', {}, 'Sent back with this comment:'), el('span', { class: 'note-text' }, current.comment)) : null,
      problemsView(current),
      EDITABLE.has(current.state) && permissions.draftStrs ? editForm() : wordsView(doc),
      current.state === 'submitted' ? decision() : null,
      current.state === 'approved' ? approved(doc) : null,
      documentView(doc),
    );
  }

  function showNone() {
    delete element.dataset.state;
    delete element.dataset.strId;
    const draft = el('button', { type: 'button', class: 'button button-primary' }, 'Draft STR from this case');
    draft.addEventListener('click', () => run(draft, () => api('/v1/strs', { method: 'POST', body: { caseId } }), 'STR drafted'));
    replace(
      element,
      el('div', { class: 'card-head' }, el('h2', { id: 'str-title' }, 'Suspicious transaction report')),
      message,
      el('p', { class: 'muted' }, 'No STR for this case yet.'),
      permissions.draftStrs && caseState !== 'closed'
        ? el('div', { class: 'action-row' }, draft, el('span', { class: 'muted' }, 'Filled from the case: its subject, payments and reasons.'))
        : el('p', { class: 'muted' }, caseState === 'closed' ? 'The case is closed.' : 'Compliance drafts it from the case.'),
    );
  }

  function problemsView(str) {
    if (!str.problems?.length) return str.state === 'approved' ? null : el('p', { class: 'problems-none', dataset: { testid: 'str-problems' } }, 'Complete: nothing keeps it from the next step.');
    return el(
      'div',
      { class: 'str-problems' },
      el('h3', {}, str.state === 'approved' ? 'What keeps it from being exported' : 'What keeps it from being submitted'),
      el(
        'ul',
        { class: 'problem-list', dataset: { testid: 'str-problems' } },
        str.problems.map((p) => el('li', { class: 'problem str-problem', dataset: { field: p.field } }, el('span', { class: 'problem-path' }, p.field || '(document)'), el('span', { class: 'problem-message' }, p.message))),
      ),
    );
  }

  function editForm() {
    const doc = current.document ?? {};
    const field = (key, id, label, hint, rows, max) =>
      el(
        'div',
        { class: 'action-form' },
        el('label', { htmlFor: id }, label),
        el('span', { class: 'field-hint' }, hint),
        el('textarea', { id, rows, maxLength: max, value: edits[key] ?? doc[key] ?? '', oninput: (e) => (edits[key] = e.target.value) }),
      );
    const save = el('button', { type: 'submit', class: 'button' }, 'Save');
    const submit = el('button', { type: 'button', class: 'button button-primary' }, 'Submit for approval');
    const form = el(
      'form',
      { class: 'str-form' },
      field('narrative', 'str-narrative', 'Narrative', 'In your own words: what happened, and why it is suspicious.', 6, 20_000),
      field('measuresTaken', 'str-measures', 'Measures taken', 'What was done about it: monitoring, limits, the participant informed…', 3, 5000),
      el('div', { class: 'toolbar' }, save, submit, caseState !== 'investigating' && caseState !== 'escalated' && !(current.document?.version > 1) ? el('span', { class: 'muted' }, 'Submitting needs the case under investigation.') : null),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void run(save, saveEdits, 'STR saved');
    });
    submit.addEventListener('click', () =>
      run(
        submit,
        async () => {
          await saveEdits();
          return api(strUrl('/submit'), { method: 'POST' });
        },
        'Submitted for approval',
      ),
    );
    return form;
  }

  function decision() {
    if (!permissions.approveStrs) return el('p', { class: 'muted' }, 'Waiting for a second compliance officer to approve it or send it back.');
    const mine = current.draftedBy === session.username;
    const approve = el('button', { type: 'button', class: 'button button-primary' }, 'Approve');
    approve.addEventListener('click', () => run(approve, () => api(strUrl('/approve'), { method: 'POST' }), 'STR approved'));
    const comment = el('textarea', { id: 'str-return-comment', rows: 2, maxLength: 5000, placeholder: 'What to change' });
    const back = el('button', { type: 'submit', class: 'button' }, 'Send back');
    const form = el('form', { class: 'action-form' }, el('label', { htmlFor: 'str-return-comment' }, 'Send back with a comment'), comment, back);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const text = comment.value.trim();
      if (!text) return replace(message, errorBox('Write what should change before sending it back.'));
      void run(back, () => api(strUrl('/return'), { method: 'POST', body: { comment: text } }), 'Sent back');
    });
    return el(
      'div',
      { class: 'str-decision' },
      el('h3', {}, 'Decision'),
      mine ? el('p', { class: 'muted' }, 'You drafted this report: a second compliance officer approves it or sends it back.') : null,
      el('div', { class: 'toolbar' }, approve),
      form,
    );
  }

  function approved(doc) {
    const links = EXPORTS.map(([format, label]) => {
      const link = el('a', { href: '#', class: 'button button-small export-link', dataset: { format } }, label);
      link.addEventListener('click', async (event) => {
        event.preventDefault();
        try {
          const { blob, filename } = await apiFile(strUrl(`/export?format=${format}`), { method: 'GET' });
          saveFile(blob, filename ?? `${current.id}.${format}`);
        } catch (e) {
          replace(message, errorBox(`The ${label} export failed.`, e));
        }
      });
      return link;
    });
    // A filed report is never edited: a correction is its next version, approved like the first.
    const correct = el('button', { type: 'button', class: 'button', dataset: { testid: 'str-correct' } }, 'Draft a correction');
    correct.addEventListener('click', () => run(correct, () => api(strUrl('/correct'), { method: 'POST' }), 'Correction drafted: edit it, then submit it for approval'));
    const reference = el('input', { id: 'str-filing-reference', autocomplete: 'off', spellcheck: false, placeholder: 'the regulator’s reference' });
    const record = el('button', { type: 'submit', class: 'button' }, 'Record');
    const filing = el('form', { class: 'action-form' }, el('label', { htmlFor: 'str-filing-reference' }, 'Filing reference'), el('div', { class: 'inline-controls' }, reference, record));
    filing.addEventListener('submit', (event) => {
      event.preventDefault();
      const value = reference.value.trim();
      if (!value) return replace(message, errorBox('Write the reference the regulator gave.'));
      void run(record, () => api(strUrl('/filing'), { method: 'POST', body: { reference: value } }), 'Filing reference recorded');
    });
    return el(
      'div',
      { class: 'str-approved' },
      el('p', {}, `Approved by ${doc.approvedBy ?? current.approvedBy}${doc.approvedAt ? ` on ${formatTime(doc.approvedAt)}` : ''}.`),
      permissions.draftStrs ? el('div', { class: 'toolbar export-links', dataset: { testid: 'str-exports' } }, el('span', { class: 'muted' }, 'Export:'), links) : null,
      current.filingReference
        ? el('p', { dataset: { testid: 'str-filing' } }, 'Filed as ', el('code', {}, current.filingReference))
        : permissions.draftStrs
          ? filing
          : el('p', { class: 'muted' }, 'Not filed yet.'),
      permissions.draftStrs && !current.supersededBy ? el('div', { class: 'toolbar' }, correct) : null,
    );
  }

  return { element, show };
}

function wordsView(doc) {
  return el(
    'div',
    { class: 'str-words' },
    el('h3', {}, 'Narrative'),
    doc.narrative ? el('blockquote', { class: 'resolution-note', dataset: { testid: 'str-narrative' } }, doc.narrative) : el('p', { class: 'muted' }, 'Not written yet.'),
    el('h3', {}, 'Measures taken'),
    doc.measuresTaken ? el('blockquote', { class: 'resolution-note' }, doc.measuresTaken) : el('p', { class: 'muted' }, 'Not written yet.'),
  );
}

function documentView(doc) {
  const s = doc.subject ?? {};
  return el(
    'details',
    { class: 'str-document' },
    el('summary', {}, `The report: ${formatCount(doc.transactions?.length ?? 0)} transaction${doc.transactions?.length === 1 ? '' : 's'}, ${(doc.typologies ?? []).join(', ') || 'no typology'}`),
    facts([
      ['Subject', `${s.kind ?? ''} ${s.id ?? ''}${s.participant ? ` at ${s.participant}` : ''}`.trim()],
      ['Subject name', s.name ?? ''],
      ['Typologies', (doc.typologies ?? []).join(', ')],
      ['Institution', doc.reportingInstitution ? `${doc.reportingInstitution.name} (${doc.reportingInstitution.code}, ${doc.reportingInstitution.country})` : ''],
      ['Suspicion confirmed', doc.suspicionConfirmedAt ? formatTime(doc.suspicionConfirmedAt) : ''],
      ['Drafted', doc.draftedAt ? `${formatTime(doc.draftedAt)} by ${doc.draftedBy}` : ''],
      ['Totals', (doc.totals ?? []).map((t) => `${formatDecimal(t.amount, 2)} ${t.currency} (${formatCount(t.count)})`).join(' · ')],
    ]),
    (doc.reasons ?? []).length ? el('ul', { class: 'str-reasons' }, doc.reasons.map((r) => el('li', {}, el('code', {}, `${r.ruleId} v${r.ruleVersion}`), ' ', r.message))) : null,
    figureTable({
      label: 'Transactions in the report',
      rows: doc.transactions,
      empty: 'No transactions.',
      columns: [
        { label: 'Payment', value: (t) => el('code', {}, t.paymentId) },
        { label: 'Received', value: (t) => formatTime(t.receivedAt) },
        { label: 'Amount', numeric: true, value: (t) => `${formatDecimal(t.amount, 2)} ${t.currency}` },
        { label: 'Corridor', value: (t) => t.corridor },
        { label: 'Merchant', value: (t) => el('code', {}, t.merchantId) },
        { label: 'Payer wallet', value: (t) => el('code', {}, t.payerWalletId) },
        { label: 'Status', value: (t) => t.status },
      ],
    }),
  );
}
