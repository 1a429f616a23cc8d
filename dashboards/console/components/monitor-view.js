import { el, facts } from '../dom.js';
import { formatCount, formatRate, formatTime } from '../format.js';

/**
 * What a minute monitor measured (analytics/monitors/monitor-alert.ts): a corridor's or a
 * participant's volume or decline rate in one minute against the same hour of its history,
 * with the z-score and the MAD score that made it abnormal. A monitor alert has no payment.
 */
export const isMonitorAlert = (alert) => alert?.kind === 'monitor' || String(alert?.ruleId ?? '').startsWith('monitor.');

const METRICS = {
  volume: { label: 'Payments per minute', value: (r) => formatNumber(r.value, 0), usual: (x) => formatNumber(x, 1) },
  declineRate: { label: 'Decline rate', value: (r) => formatRate(r.value), usual: (x) => formatRate(x) },
};

/** An ingest writer's dead-letter alert (analytics/alerts/dead-letter-alert.ts): entries ClickHouse did not take, kept in Redis. */
export const isDeadLetterAlert = (alert) => alert?.ruleId === 'ingest.dead-letter';

/** Which stream's entries could not be written, why, and where they wait to be replayed. */
export function deadLetterView(alert) {
  const r = alert.reasons?.[0] ?? {};
  const why = Object.entries(r.codes ?? {})
    .map(([code, n]) => `${formatCount(n)} ${code}`)
    .join(', ');
  return el(
    'div',
    { class: 'monitor', dataset: { testid: 'dead-letters' } },
    facts([
      ['Stream', el('code', {}, r.stream ?? '')],
      ['Kept in', el('code', {}, r.deadLetters ?? '')],
      ['In the first batch', `${formatCount(r.value)} entr${r.value === 1 ? 'y' : 'ies'}: ${why}`],
      ['Entry ids', r.firstId === r.lastId ? el('code', {}, r.firstId ?? '') : el('span', {}, el('code', {}, r.firstId ?? ''), ' to ', el('code', {}, r.lastId ?? ''))],
      ['Minutes with dead letters', `${formatCount(alert.count)}${alert.count > 1 ? `, the last ${formatTime(alert.updatedAt)}` : ''}`],
    ]),
  );
}

/** "Corridor TH-CN", "Participant siam-wallet"; what a monitor alert is about. */
export function monitorSubject(alert) {
  const r = alert.reasons?.[0];
  if (!r?.subject) return alert.participant ? `Participant ${alert.participant}` : '';
  return `${r.scope === 'corridor' ? 'Corridor' : r.scope === 'participant' ? 'Participant' : r.scope ?? ''} ${r.subject}`.trim();
}

export function monitorView(alert) {
  const reasons = (alert.reasons ?? []).filter((r) => r && r.metric !== undefined);
  if (reasons.length === 0) return el('p', { class: 'muted' }, 'This monitor alert carries no measurements.');
  return el('div', { class: 'monitor' }, reasons.map((r) => measurement(r, alert)));
}

function measurement(r, alert) {
  const metric = METRICS[r.metric] ?? { label: r.metric, value: (x) => String(x.value), usual: (x) => String(x) };
  const figure = (key, label, value, sub) =>
    el(
      'div',
      { class: 'monitor-figure', dataset: { testid: `monitor-${key}` } },
      el('span', { class: 'monitor-figure-label' }, label),
      el('span', { class: 'monitor-figure-value' }, value),
      sub ? el('span', { class: 'monitor-figure-sub' }, sub) : null,
    );
  const measured = r.metric === 'declineRate' ? `${formatCount(r.declined)} of ${formatCount(r.payments)} payments declined` : `in ${minuteOf(r.minute)}`;
  return el(
    'div',
    { class: 'monitor-measurement', dataset: { metric: r.metric ?? '', subject: r.subject ?? '' } },
    el(
      'div',
      { class: 'monitor-figures' },
      figure('value', metric.label, metric.value(r), measured),
      figure('usual', 'Usually (median)', metric.usual(r.median), `mean ${metric.usual(r.mean)}, sd ${metric.usual(r.standardDeviation)}`),
      figure('z-score', 'z-score', formatNumber(r.zScore, 2), 'distance from the mean in standard deviations'),
      figure('mad-score', 'MAD score', formatNumber(r.robustScore, 2), `distance from the median; MAD ${metric.usual(r.mad)}`),
      figure('threshold', 'Abnormal beyond', metric.usual(r.threshold), 'where both scores passed their thresholds'),
    ),
    facts([
      ['Subject', el('span', { dataset: { testid: 'monitor-subject' } }, `${r.scope === 'corridor' ? 'Corridor' : 'Participant'} `, el('code', {}, r.subject))],
      ['Metric', metric.label],
      ['First abnormal minute', minuteOf(r.minute)],
      ['Abnormal minutes', `${formatCount(alert.count)}${alert.count > 1 ? `, the last counted ${formatTime(alert.updatedAt)}` : ''}`],
      ['Payments in the minute', r.payments === undefined ? '' : `${formatCount(r.payments)}${r.declined ? ` (${formatCount(r.declined)} declined)` : ''}`],
      ['History', r.historyPoints === undefined ? '' : `${formatCount(r.historyPoints)} minutes around the same time of day on earlier days`],
      ['Monitor', el('code', {}, `${r.ruleId ?? alert.ruleId} v${r.ruleVersion ?? 1}`)],
    ]),
  );
}

/** A monitor's minute in UTC, as its message says it: "2026-11-25 21:23 UTC". */
function minuteOf(iso) {
  const d = new Date(iso ?? '');
  if (Number.isNaN(d.getTime())) return '—';
  const s = d.toISOString();
  return `${s.slice(0, 10)} ${s.slice(11, 16)} UTC`;
}

function formatNumber(x, places) {
  if (typeof x !== 'number' || !Number.isFinite(x)) return '—';
  return x.toLocaleString('en-GB', { minimumFractionDigits: places, maximumFractionDigits: places });
}
