import { el } from '../dom.js';

/** A short confirmation or failure in the corner, gone after a few seconds. */
export function toast(message, kind = 'info', ms = 4000) {
  const host = document.getElementById('toasts');
  if (!host) return;
  const item = el('div', { class: `toast toast-${kind}`, attrs: { role: kind === 'error' ? 'alert' : 'status' } }, message);
  host.append(item);
  setTimeout(() => item.remove(), ms);
}
