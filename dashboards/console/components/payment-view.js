import { el, facts } from '../dom.js';
import { formatCount, formatMoney, formatTime } from '../format.js';
import { decisionBadge } from './badges.js';
import { reasonsTable } from './reasons-table.js';

/** A payment as GET /v1/ops/payments/:paymentId gives it: the transaction, payer, merchant and risk. */
export function paymentView(p) {
  const payer = p.payer ?? {};
  const merchant = p.merchantDetails ?? p.merchant ?? {};
  const location = payer.location ? `${payer.location.lat}, ${payer.location.lon}` : '';
  return el(
    'div',
    { class: 'payment' },
    el(
      'div',
      { class: 'payment-columns' },
      el(
        'div',
        {},
        el('h3', {}, 'Transaction'),
        facts([
          ['Payment', el('code', {}, p.paymentId)],
          ['Participant txn', el('code', {}, p.txnId)],
          ['Type', p.type],
          ['Status', el('span', { class: `badge payment-${String(p.status).toLowerCase()}` }, p.status)],
          ['Decline code', p.declineCode],
          ['Amount', formatMoney(p.amount)],
          ['Settlement', p.settlement ? `${p.settlement.amount} ${p.settlement.currency} (rate ${p.settlement.fxRate})` : ''],
          ['Direction', p.direction],
          ['Corridor', p.corridor],
          ['Time', formatTime(p.createdAt)],
          ['Refunded', p.refunded && Number(p.refunded.value) > 0 ? formatMoney(p.refunded) : ''],
          ['Reversed', p.reversed ? 'yes' : ''],
        ]),
      ),
      el(
        'div',
        {},
        el('h3', {}, 'Payer'),
        facts([
          ['Participant', p.participant],
          ['Wallet', payer.walletId ? el('code', {}, payer.walletId) : ''],
          ['User', payer.userId ? el('code', {}, payer.userId) : ''],
          ['Device', payer.deviceId ? el('code', {}, payer.deviceId) : ''],
          ['IP', payer.ip ? el('code', {}, payer.ip) : ''],
          ['Country', payer.country],
          ['Location', location],
        ]),
        el('h3', {}, 'Merchant'),
        facts([
          ['Name', merchant.name],
          ['Id', merchant.id ? el('code', {}, merchant.id) : ''],
          ['MCC', merchant.mcc],
          ['City', [merchant.city, merchant.country].filter(Boolean).join(', ')],
          ['Acquirer', merchant.acquirer],
        ]),
      ),
    ),
    el('h3', {}, 'Risk'),
    facts([
      ['Score', formatCount(p.risk?.score)],
      ['Decision', decisionBadge(p.risk?.decision)],
      ['Rule set', p.ruleSetVersion ? el('code', {}, p.ruleSetVersion) : ''],
    ]),
    (p.shadowHits ?? []).length > 0 ? reasonsTable(p.shadowHits, 'Shadow rules that would have fired (no effect on the decision)') : null,
  );
}
