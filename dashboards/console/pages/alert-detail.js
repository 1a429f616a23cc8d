import { api } from '../api.js';
import { decisionBadge, severityBadge, statusBadge } from '../components/badges.js';
import { deadLetterView, isDeadLetterAlert, isMonitorAlert, monitorSubject, monitorView } from '../components/monitor-view.js';
import { paymentView } from '../components/payment-view.js';
import { reasonsTable } from '../components/reasons-table.js';
import { toast } from '../components/toast.js';
import { describeError, el, errorBox, facts, replace } from '../dom.js';
import { formatCount, formatTime } from '../format.js';

/**
 * One alert: why it was raised (each reason with its rule version, value and threshold),
 * the payment behind it, and for risk officers the actions (acknowledge, assign, resolve).
 * A monitor's alert has no payment: what the monitor measured is shown in its place.
 * Changes made elsewhere arrive through `alert:update`.
 */
export function render(view, context) {
  const id = context.params[0];
  context.setTitle(`Alert ${id}`);
  const { permissions, live, session } = context;
  let alert;
  let shownPaymentId;

  const head = el('div', { class: 'page-head page-head-stacked' });
  const summaryCard = el('section', { class: 'card', attrs: { 'aria-labelledby': 'summary-title' } });
  const reasonsCard = el('section', { class: 'card', attrs: { 'aria-labelledby': 'reasons-title' } });
  const paymentCard = el('section', { class: 'card', attrs: { 'aria-labelledby': 'payment-title' } });
  const actionsCard = el('section', { class: 'card actions-card', attrs: { 'aria-labelledby': 'actions-title' } });
  const page = el(
    'section',
    { class: 'page page-alert' },
    el('a', { href: '#/alerts', class: 'back-link' }, '← All alerts'),
    head,
    el('div', { class: 'detail-grid' }, el('div', { class: 'detail-main' }, reasonsCard, paymentCard), el('aside', { class: 'detail-side' }, actionsCard, summaryCard)),
  );
  view.append(page);
  replace(head, el('h1', {}, 'Alert ', el('code', {}, id)), el('p', { class: 'muted' }, 'Loading…'));

  async function load() {
    try {
      alert = await api(`/v1/alerts/${encodeURIComponent(id)}`);
      renderAlert();
      if (!isMonitorAlert(alert)) void showPayment(alert.paymentId);
    } catch (e) {
      replace(
        head,
        el('h1', {}, 'Alert ', el('code', {}, id)),
        errorBox(e.code === 'ALERT_NOT_FOUND' ? 'There is no such alert, or it is not yours to see.' : 'The alert could not be loaded.', e),
      );
      summaryCard.hidden = reasonsCard.hidden = paymentCard.hidden = actionsCard.hidden = true;
    }
  }

  /** `withActions` false keeps the action forms as they are, so an operator typing a note keeps focus. */
  function renderAlert(withActions = true) {
    if (isMonitorAlert(alert)) return renderMonitorAlert(withActions);
    replace(
      head,
      el(
        'div',
        { class: 'title-row' },
        severityBadge(alert.severity),
        el('h1', {}, alert.ruleId || 'score', ' ', el('span', { class: 'muted id-inline' }, alert.id)),
        el('span', { dataset: { testid: 'alert-status' } }, statusBadge(alert.status)),
        permissions.workCases ? openCaseButton() : null,
      ),
      el('p', { class: 'muted' }, `Raised ${formatTime(alert.createdAt)} for ${alert.participant} · ${formatCount(alert.count)} payment${alert.count === 1 ? '' : 's'} grouped`),
    );
    replace(
      summaryCard,
      el('h2', { id: 'summary-title' }, 'Alert'),
      facts([
        ['Status', statusBadge(alert.status)],
        ['Severity', severityBadge(alert.severity)],
        ['Decision', decisionBadge(alert.decision)],
        ['Score', formatCount(alert.score)],
        ['Participant', alert.participant],
        ['Wallet', alert.walletId ? el('code', {}, alert.walletId) : ''],
        ['Merchant', alert.merchantId ? el('code', {}, alert.merchantId) : ''],
        ['Payments grouped', formatCount(alert.count)],
        ...lifecycleFacts(alert),
      ]),
    );
    replace(reasonsCard, el('h2', { id: 'reasons-title' }, 'Why it was raised'), reasonsTable(alert.reasons ?? []));
    if (withActions) renderActions();
  }

  function renderMonitorAlert(withActions) {
    const subject = monitorSubject(alert);
    const deadLetters = isDeadLetterAlert(alert);
    const minutes = `${formatCount(alert.count)} ${deadLetters ? 'minute' : 'abnormal minute'}${alert.count === 1 ? '' : 's'}${deadLetters ? ' with dead letters' : ''}`;
    const raisedBy = deadLetters ? `the ingest writer of ${alert.reasons?.[0]?.stream ?? 'a stream'}` : `a minute monitor for ${subject || 'an unnamed subject'}`;
    replace(
      head,
      el(
        'div',
        { class: 'title-row' },
        severityBadge(alert.severity),
        el('h1', {}, alert.ruleId, ' ', el('span', { class: 'muted id-inline' }, alert.id)),
        el('span', { dataset: { testid: 'alert-status' } }, statusBadge(alert.status)),
      ),
      el('p', { class: 'muted' }, `Raised ${formatTime(alert.createdAt)} by ${raisedBy} · ${minutes}`),
    );
    replace(
      summaryCard,
      el('h2', { id: 'summary-title' }, 'Alert'),
      facts([
        ['Status', statusBadge(alert.status)],
        ['Severity', severityBadge(alert.severity)],
        ['Kind', deadLetters ? 'Ingest' : 'Monitor'],
        ['Score', formatCount(alert.score)],
        ['Subject', subject],
        ['Participant', alert.participant || (deadLetters ? 'all' : 'all (a corridor)')],
        [deadLetters ? 'Minutes with dead letters' : 'Abnormal minutes', formatCount(alert.count)],
        ...lifecycleFacts(alert),
      ]),
    );
    replace(reasonsCard, el('h2', { id: 'reasons-title' }, 'Why it was raised'), reasonsTable(alert.reasons ?? []));
    replace(
      paymentCard,
      ...(deadLetters
        ? [
            el('div', { class: 'card-head' }, el('h2', { id: 'payment-title' }, 'What could not be written')),
            el('p', { class: 'card-sub muted' }, 'Entries ClickHouse did not take, kept in Redis with their error until someone replays them. The rest of their batch was written. This alert concerns no single payment.'),
            deadLetterView(alert),
          ]
        : [
            el('div', { class: 'card-head' }, el('h2', { id: 'payment-title' }, 'What the monitor measured')),
            el('p', { class: 'card-sub muted' }, 'This minute against the same time of day in the subject’s history. A monitor alert concerns no single payment.'),
            monitorView(alert),
          ]),
    );
    paymentCard.dataset.testid = 'monitor-measured';
    if (withActions) renderActions();
  }

  async function showPayment(paymentId) {
    shownPaymentId = paymentId;
    const others =
      alert.lastPaymentId && alert.lastPaymentId !== alert.paymentId
        ? el(
            'div',
            { class: 'segmented', attrs: { role: 'group', 'aria-label': 'Which payment' } },
            [
              [alert.paymentId, 'First payment'],
              [alert.lastPaymentId, 'Latest payment'],
            ].map(([pid, label]) =>
              el('button', { type: 'button', class: 'segment', attrs: { 'aria-pressed': String(pid === paymentId) }, onclick: () => showPayment(pid) }, label),
            ),
          )
        : null;
    replace(paymentCard, el('div', { class: 'card-head' }, el('h2', { id: 'payment-title' }, 'Payment'), others), el('p', { class: 'muted' }, 'Loading the payment…'));
    try {
      const payment = await api(`/v1/ops/payments/${encodeURIComponent(paymentId)}`);
      if (shownPaymentId !== paymentId) return;
      replace(paymentCard, el('div', { class: 'card-head' }, el('h2', { id: 'payment-title' }, 'Payment'), others), paymentView(payment));
    } catch (e) {
      if (shownPaymentId !== paymentId) return;
      replace(paymentCard, el('div', { class: 'card-head' }, el('h2', { id: 'payment-title' }, 'Payment'), others), errorBox('The payment could not be loaded.', e));
    }
  }

  // --- case ----------------------------------------------------------------------------------
  /** Opens a case about this alert's subject, or goes to the one already open for it (409 names it). */
  function openCaseButton() {
    const button = el('button', { type: 'button', class: 'button button-small title-action' }, 'Open case');
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        const opened = await api('/v1/cases', { method: 'POST', body: { alertIds: [id] } });
        toast('Case opened', 'success');
        context.navigate(`#/cases/${encodeURIComponent(opened.id)}`);
      } catch (e) {
        button.disabled = false;
        const existing = e.code === 'CASE_OPEN_FOR_SUBJECT' ? /case_[a-f0-9]{24}/.exec(e.message)?.[0] : undefined;
        if (!existing) return toast(`Could not open a case: ${describeError(e)}`, 'error');
        toast('A case is already open for this subject: here it is.');
        context.navigate(`#/cases/${existing}`);
      }
    });
    return button;
  }

  // --- actions -------------------------------------------------------------------------------
  const actionMessage = el('div', { attrs: { 'aria-live': 'polite' } });
  /** What the operator typed survives a re-render caused by someone else's change. */
  const draft = { to: '', disposition: '', note: '' };

  function renderActions() {
    if (!permissions.actOnAlerts) {
      replace(
        actionsCard,
        el('h2', { id: 'actions-title' }, 'Actions'),
        el('p', { class: 'muted' }, 'Your role can view alerts but not acknowledge, assign or resolve them.'),
      );
      return;
    }
    if (alert.status === 'resolved') {
      replace(
        actionsCard,
        el('h2', { id: 'actions-title' }, 'Resolved'),
        el(
          'p',
          { class: 'resolution' },
          el('span', { class: `badge disposition-${alert.disposition}` }, alert.disposition || 'resolved'),
          alert.assignee ? el('span', { class: 'muted' }, ` · assigned to ${alert.assignee}`) : null,
          el('span', { class: 'muted' }, ` · ${formatTime(alert.updatedAt)}`),
        ),
        alert.note ? el('blockquote', { class: 'resolution-note' }, alert.note) : el('p', { class: 'muted' }, 'No note.'),
      );
      return;
    }
    const ack = el('button', { type: 'button', class: 'button', disabled: alert.status !== 'open' }, 'Acknowledge');
    ack.addEventListener('click', () => act(ack, 'ack', undefined, 'Acknowledged'));

    const assignee = el('input', { id: 'assign-to', name: 'to', value: draft.to || alert.assignee || session.username, autocomplete: 'off', spellcheck: false, oninput: (e) => (draft.to = e.target.value) });
    const assign = el('button', { type: 'submit', class: 'button' }, 'Assign');
    const assignForm = el(
      'form',
      { class: 'action-form' },
      el('label', { htmlFor: 'assign-to' }, 'Assign to'),
      el('div', { class: 'inline-controls' }, assignee, assign),
    );
    assignForm.addEventListener('submit', (event) => {
      event.preventDefault();
      const to = assignee.value.trim();
      if (!to) return showActionError('Name the operator to assign the alert to.');
      void act(assign, 'assign', { to }, `Assigned to ${to}`);
    });

    const disposition = (value, label, hint) =>
      el(
        'label',
        { class: `choice choice-${value}` },
        el('input', { type: 'radio', name: 'disposition', value, checked: draft.disposition === value, onchange: () => (draft.disposition = value) }),
        el('span', {}, el('strong', {}, label), el('span', { class: 'muted' }, hint)),
      );
    const note = el('textarea', { id: 'resolve-note', name: 'note', rows: 3, maxLength: 2000, value: draft.note, placeholder: 'What you checked and why you decided so', oninput: (e) => (draft.note = e.target.value) });
    const resolve = el('button', { type: 'submit', class: 'button button-primary' }, 'Resolve');
    const resolveForm = el(
      'form',
      { class: 'action-form' },
      el(
        'fieldset',
        { class: 'choices' },
        el('legend', {}, 'Disposition'),
        disposition('fraud', 'Fraud', 'confirmed fraudulent'),
        disposition('legitimate', 'Legitimate', 'a false positive'),
      ),
      el('label', { htmlFor: 'resolve-note' }, 'Note'),
      note,
      resolve,
    );
    resolveForm.addEventListener('submit', (event) => {
      event.preventDefault();
      const chosen = resolveForm.querySelector('input[name="disposition"]:checked')?.value;
      if (!chosen) return showActionError('Choose fraud or legitimate.');
      void act(resolve, 'resolve', { disposition: chosen, note: note.value.trim() }, `Resolved as ${chosen}`);
    });

    replace(
      actionsCard,
      el('h2', { id: 'actions-title' }, 'Actions'),
      actionMessage,
      el('div', { class: 'action-row' }, ack, el('span', { class: 'muted' }, alert.status === 'open' ? 'Tell the team you are looking at it.' : 'Acknowledged.')),
      assignForm,
      el('hr'),
      resolveForm,
    );
  }

  async function act(button, kind, body, done) {
    button.disabled = true;
    replace(actionMessage);
    try {
      alert = { ...alert, ...(await api(`/v1/alerts/${encodeURIComponent(id)}/${kind}`, { method: 'POST', body })) };
      renderAlert();
      toast(done, 'success');
    } catch (e) {
      button.disabled = false;
      showActionError(describeError(e));
    }
  }

  function showActionError(text) {
    replace(actionMessage, el('div', { class: 'notice notice-error', attrs: { role: 'alert' } }, text));
  }

  const stop = live?.on('alert:update', (update) => {
    if (!alert || update.id !== id) return;
    const before = alert;
    alert = { ...alert, ...update };
    renderAlert(before.status !== alert.status || before.assignee !== alert.assignee);
    if (before.status !== alert.status) toast(`This alert is now ${alert.status}`);
  });
  void load();
  return () => stop?.();
}

/** When an alert was raised and last changed, and how it is being worked: the same for every kind of alert. */
function lifecycleFacts(alert) {
  return [
    ['Raised', formatTime(alert.createdAt)],
    ['Last change', formatTime(alert.updatedAt)],
    ['Assignee', alert.assignee],
    ['Disposition', alert.disposition ? el('span', { class: `badge disposition-${alert.disposition}` }, alert.disposition) : ''],
    ['Note', alert.note ? el('span', { class: 'note-text' }, alert.note) : ''],
  ];
}
