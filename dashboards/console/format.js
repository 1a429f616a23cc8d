/** How numbers, rates and times read in the console: short, fixed width, locale-neutral. */

const integer = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-GB', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

export const formatCount = (n) => (Number.isFinite(n) ? integer.format(n) : '—');

/** 0.9734 -> "97.3 %" */
export const formatRate = (share) => (Number.isFinite(share) ? `${oneDecimal.format(share * 100)} %` : '—');

/** Milliseconds, with a decimal below 10 ms and in seconds above 10 s. */
export function formatMs(ms) {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms === 0) return '0 ms';
  if (ms >= 10_000) return `${oneDecimal.format(ms / 1000)} s`;
  if (ms >= 10) return `${integer.format(ms)} ms`;
  return `${oneDecimal.format(ms)} ms`;
}

const pad = (n) => String(n).padStart(2, '0');

/** Local time of day, with the date in front when it is not today; takes an ISO string or epoch ms. */
export function formatTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  const today = new Date();
  const sameDay = d.getFullYear() === today.getFullYear() && d.getMonth() === today.getMonth() && d.getDate() === today.getDate();
  return sameDay ? time : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`;
}

/** A reason's value or threshold as written: strings quoted, numbers plain, nothing as a dash. */
export function formatQuoted(value) {
  if (value === undefined || value === null || value === '') return '—';
  return typeof value === 'string' ? `“${value}”` : String(value);
}

/**
 * An exact decimal as the API writes it ("1234.5") with thousands separators and `places`
 * decimals, rounded half up on the digits themselves: never through a float.
 */
export function formatDecimal(text, places = 2) {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(String(text ?? ''));
  if (!match) return '—';
  const [, sign, whole, fraction = ''] = match;
  const scale = 10n ** BigInt(places);
  const rounded = (BigInt(whole + fraction.padEnd(places + 1, '0').slice(0, places + 1)) + 5n) / 10n;
  const grouped = (rounded / scale).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const decimals = places > 0 ? `.${(rounded % scale).toString().padStart(places, '0')}` : '';
  return `${rounded === 0n ? '' : sign}${grouped}${decimals}`;
}

export function formatMoney(money) {
  if (!money || money.value === undefined) return '—';
  return `${money.value} ${money.currency ?? ''}`.trim();
}

export const ROLE_NAMES = {
  risk_officer: 'Risk officer',
  compliance: 'Compliance',
  participant_analyst: 'Participant analyst',
  admin: 'Administrator',
};
