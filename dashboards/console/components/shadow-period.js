import { api } from '../api.js';
import { el, errorBox, facts, replace } from '../dom.js';
import { formatCount, formatTime } from '../format.js';

/**
 * A change set's shadow period (docs/rules.md, "Governance", step 2): for the hours its author
 * chose, its changed rules run on live payments in shadow under trial ids, deciding nothing,
 * and GET /v1/change-sets/{id}/shadow-hits counts their hits next to the live rules' and the
 * payments seen. Read when shown, on "Refresh", and every few seconds while the period runs;
 * `stop()` ends that at once, the request in flight included, as job-watch does.
 */
const REFRESH_MS = 5000;

/**
 * A return, a discard or the approval ends a period before its time, but the set keeps the
 * planned `until` and the count still says `running` until then: the set's state says it ended.
 */
const ENDED_BY = {
  returned: { why: 'when it was sent back', at: (set) => set.updatedAt },
  discarded: { why: 'when it was discarded', at: (set) => set.updatedAt },
  applied: { why: 'when it went live', at: (set) => set.appliedAt },
};

export function shadowPeriod() {
  const element = el('div', { class: 'shadow-period', dataset: { testid: 'shadow-period' }, hidden: true });
  const refreshButton = el('button', { type: 'button', class: 'button button-small' }, 'Refresh');
  refreshButton.addEventListener('click', () => void refresh());
  let set;
  let shadow;
  /** The last count read, and the failure of the last read, for the period on show. */
  let hits;
  let failure;
  let shownPeriod = '';
  let timer;
  let inFlight;

  function show(changeSet) {
    const candidate = changeSet.evidence?.shadow;
    if (!candidate || typeof candidate !== 'object' || typeof candidate.from !== 'string') {
      stop();
      set = shadow = hits = failure = undefined;
      shownPeriod = '';
      element.hidden = true;
      replace(element);
      return;
    }
    // The same period shown again (the set re-read after an action) keeps its count until the new one arrives.
    const period = `${changeSet.id} ${candidate.from}`;
    if (period !== shownPeriod) hits = failure = undefined;
    shownPeriod = period;
    set = changeSet;
    shadow = candidate;
    element.hidden = false;
    void refresh();
    render();
  }

  /** Reads the count now; while the period runs, again in REFRESH_MS. */
  async function refresh() {
    stop();
    if (!set) return;
    const controller = new AbortController();
    inFlight = controller;
    element.setAttribute('aria-busy', 'true');
    refreshButton.disabled = true;
    let answer;
    let error;
    try {
      answer = await api(`/v1/change-sets/${encodeURIComponent(set.id)}/shadow-hits`, { signal: controller.signal });
    } catch (e) {
      error = e;
    }
    // Stopped meanwhile (the page left, the set shown again): nothing of this read is used.
    if (inFlight !== controller) return;
    inFlight = undefined;
    if (error) failure = error;
    else [hits, failure] = [answer, undefined];
    element.removeAttribute('aria-busy');
    refreshButton.disabled = false;
    render();
    // A failed read is not retried on its own, as a job watch is not: "Refresh" tries again.
    if (!failure && running()) timer = setTimeout(() => void refresh(), REFRESH_MS);
  }

  function stop() {
    clearTimeout(timer);
    timer = undefined;
    inFlight?.abort();
    inFlight = undefined;
    element.removeAttribute('aria-busy');
    refreshButton.disabled = false;
  }

  /** Ended early by the set's state, at that time, if that came before the planned end. */
  function endedEarly() {
    const ended = ENDED_BY[set.state];
    const at = ended ? Date.parse(ended.at(set)) : NaN;
    return Number.isFinite(at) && at < Date.parse(shadow.until) ? { at, why: ended.why } : undefined;
  }

  function running() {
    if (endedEarly()) return false;
    return hits ? hits.running === true : Date.now() < Date.parse(shadow.until);
  }

  function render() {
    const early = endedEarly();
    const isRunning = running();
    element.dataset.running = String(isRunning);
    const hours = Number(shadow.hours);
    const state = isRunning
      ? [el('span', { class: 'badge shadow-running' }, 'running'), ` · ends ${formatTime(shadow.until)}, in ${durationText(Date.parse(shadow.until) - Date.now())}`]
      : [el('span', { class: 'badge shadow-ended' }, 'ended'), early ? ` · ${formatTime(early.at)}, ${early.why}` : ` · ${formatTime(shadow.until)}, at its end`];
    replace(
      element,
      el('div', { class: 'shadow-head' }, el('h3', {}, 'Shadow period'), refreshButton),
      el('p', { class: 'muted shadow-explain' }, `The changed rules ${isRunning ? 'run' : 'ran'} on live payments in shadow, under trial ids, deciding nothing; their hits are counted next to the live rules’.`),
      facts([
        ['Period', `${formatTime(shadow.from)} – ${formatTime(shadow.until)}${Number.isFinite(hours) ? ` (${hours} h)` : ''}`],
        ['State', el('span', { dataset: { testid: 'shadow-state' } }, state)],
        ['Counted up to', hits ? el('span', { dataset: { testid: 'shadow-counted-to' } }, formatTime(hits.to)) : el('span', { class: 'muted' }, inFlight ? 'reading…' : 'not read yet')],
      ]),
      // The count runs to the planned end: after an early end, trial hits stop but payments and live hits go on (said once it shows, to the second).
      early && hits && Date.parse(hits.to) - early.at >= 1000
        ? el('p', { class: 'muted evidence-caveat', dataset: { testid: 'shadow-early-caveat' } }, `The trial rules stopped at ${formatTime(early.at)}; the payments and the live rules’ hits are counted to ${formatTime(hits.to)}.`)
        : null,
      failure ? errorBox(failureTitle(failure), failure) : null,
      hits ? hitsTable(hits, set.base ?? {}) : null,
    );
  }

  return { element, show, stop, refresh };
}

function failureTitle(e) {
  if (e?.code === 'SHADOW_PERIOD_NOT_FOUND') return 'The platform has no shadow period for this change set.';
  return 'The shadow period’s hits could not be read; “Refresh” tries again.';
}

function hitsTable(hits, base) {
  const rules = Array.isArray(hits.rules) ? hits.rules : [];
  if (rules.length === 0) return el('p', { class: 'muted' }, 'No trial rule in this period.');
  return el(
    'table',
    { class: 'table shadow-hits', dataset: { testid: 'shadow-hits' } },
    el('caption', { class: 'visually-hidden' }, 'Each trial rule: the rule it tries, its hits in shadow, the live rule’s hits and the payments seen over the period'),
    el('thead', {}, el('tr', {}, ['Trial', 'Rule it tries', 'Hits in shadow', 'Live rule’s hits', 'Payments seen'].map((h, k) => el('th', { scope: 'col', class: k > 1 ? 'num' : '' }, h)))),
    el(
      'tbody',
      {},
      rules.map((r) =>
        el(
          'tr',
          { dataset: { trialId: r.trialId, ruleId: r.ruleId } },
          el('td', {}, el('code', {}, r.trialId)),
          el('td', {}, el('code', {}, r.ruleId)),
          el('td', { class: `num${r.trialHits !== r.liveHits ? ' hits-changed' : ''}`, dataset: { field: 'trial-hits' } }, formatCount(r.trialHits)),
          el('td', { class: 'num', dataset: { field: 'live-hits' } }, formatCount(r.liveHits), base[r.ruleId] === 0 ? el('span', { class: 'muted' }, ' · new rule') : null),
          el('td', { class: 'num', dataset: { field: 'payments' } }, formatCount(hits.payments)),
        ),
      ),
    ),
  );
}

/** "1 h 59 min", "12 min", "under a minute". */
function durationText(ms) {
  const minutes = Math.floor(ms / 60_000);
  if (!(minutes >= 1)) return 'under a minute';
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h ? `${h} h${m ? ` ${m} min` : ''}` : `${m} min`;
}
