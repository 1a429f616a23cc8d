import { el, errorBox, facts, replace } from '../dom.js';
import { formatTime } from '../format.js';
import { progressBar, resultView } from './backtest-panel.js';
import { watchJob } from './job-watch.js';
import { shadowPeriod } from './shadow-period.js';

/**
 * What a change set was submitted with (`evidence`): the window, the author's note, its shadow
 * period if it had one (its trial rules' hits on live payments, followed while it runs) and the
 * backtest of its rules over that window, read from its job and followed while it runs, then
 * shown as the rule page shows a backtest: live against candidate decisions, hits per rule,
 * what the change would have caught or wrongly stopped.
 */
export function changeSetEvidence() {
  const element = el('section', { class: 'card evidence-card', dataset: { testid: 'change-set-evidence' }, attrs: { 'aria-labelledby': 'evidence-title' } });
  const status = el('div', { class: 'backtest-status', attrs: { 'aria-live': 'polite' } });
  const output = el('div', { class: 'backtest-output', dataset: { testid: 'backtest-result' } });
  const shadow = shadowPeriod();
  let watching;
  /** The job on show: a re-render of the same set keeps its finished result instead of reading it again. */
  let shownJob;

  function show(set) {
    const evidence = set.evidence ?? {};
    const jobId = typeof evidence.backtestJobId === 'string' ? evidence.backtestJobId : '';
    const window = evidence.window && typeof evidence.window === 'object' ? evidence.window : undefined;
    const ruleIds = (set.changes ?? []).filter((c) => c.kind === 'rule' || c.kind === 'mode').map((c) => c.rule?.id ?? c.ruleId);
    const notReplayed = (set.changes ?? []).some((c) => c.kind !== 'rule' && c.kind !== 'mode');
    const submitted = set.state !== 'draft' && Boolean(set.submittedAt);
    const skipped = typeof evidence.backtestSkipped === 'string';
    replace(
      element,
      el('div', { class: 'card-head' }, el('h2', { id: 'evidence-title' }, 'Evidence')),
      submitted || jobId || window || evidence.note
        ? [
            facts([
              // Nothing was replayed over the window: the notice below says why, instead of an empty job.
              ...(skipped ? [] : [['Window', window ? el('span', { dataset: { testid: 'evidence-window' } }, windowText(window)) : '']]),
              ['Submitted', set.submittedAt ? formatTime(set.submittedAt) : ''],
              ...(skipped ? [] : [['Backtest job', jobId ? el('code', { dataset: { testid: 'evidence-job' } }, jobId) : '']]),
            ]),
            evidence.note ? [el('h3', {}, 'Note'), el('blockquote', { class: 'resolution-note', dataset: { testid: 'evidence-note' } }, String(evidence.note))] : null,
          ]
        : el('p', { class: 'muted' }, noEvidence(set)),
      skipped ? el('div', { class: 'notice notice-info', dataset: { testid: 'evidence-skipped' } }, el('strong', {}, 'No backtest needed'), el('span', {}, evidence.backtestSkipped)) : null,
      jobId && notReplayed ? el('p', { class: 'muted evidence-caveat' }, 'The backtest replays the rule changes with the configured thresholds and the live lists; the other changes of this set are not in it.') : null,
      submitted && !jobId && !skipped ? el('p', { class: 'muted', dataset: { testid: 'evidence-no-backtest' } }, 'No backtest was attached.') : null,
      shadow.element,
      status,
      output,
    );
    shadow.show(set);
    if (!jobId) {
      stopWatching();
      shownJob = undefined;
      return;
    }
    if (shownJob?.id === jobId && shownJob.view) {
      replace(status, shownJob.progress);
      replace(output, shownJob.view);
      return;
    }
    poll(jobId, window, ruleIds);
  }

  function poll(jobId, window, ruleIds) {
    stopWatching();
    const from = window?.from;
    const to = window?.to;
    let progress;
    shownJob = { id: jobId };
    replace(status, el('p', { class: 'muted' }, 'Reading the backtest…'));
    replace(output);
    watching = watchJob(jobId, {
      onUpdate(job) {
        progress = progressBar(job, { label: 'Window' }, from, to);
        replace(status, progress);
      },
      onDone(job) {
        watching = undefined;
        const view = job.state === 'failed' ? errorBox('The backtest failed.', job.error ? new Error(job.error) : undefined) : resultView(job.result, ruleIds);
        shownJob = { id: jobId, progress, view };
        replace(output, view);
      },
      onError(e) {
        watching = undefined;
        replace(status, errorBox(e.code === 'JOB_NOT_FOUND' ? 'The backtest is not readable: kept a week, and by risk officers and admins only.' : 'The backtest job could not be read.', e));
      },
    });
  }

  function stopWatching() {
    watching?.stop();
    watching = undefined;
  }

  /** The page is left: nothing is read any more. */
  function stop() {
    stopWatching();
    shadow.stop();
  }

  return { element, show, stop };
}

/** Why a set has no evidence: not submitted yet, or made live without ever being submitted. */
function noEvidence(set) {
  if (set.direct) return 'Changed directly through the rule routes: nothing was submitted, so there is no evidence.';
  if (set.emergency) return 'Made live in an emergency before it was submitted: no evidence was attached.';
  if (set.state === 'draft' || set.state === 'returned') return 'Nothing yet: its author attaches the evidence when submitting it, with a backtest over a chosen window.';
  return 'No evidence was attached.';
}

/** Both ends with their date (a window of a day spans two) and its length. */
function windowText({ from, to }) {
  const pad = (n) => String(n).padStart(2, '0');
  const at = (iso) => {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? '—' : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  };
  const hours = (Date.parse(to) - Date.parse(from)) / 3600_000;
  const length = !Number.isFinite(hours) ? '' : hours % 24 === 0 ? ` (${hours / 24} day${hours === 24 ? '' : 's'})` : ` (${Math.round(hours * 10) / 10} h)`;
  return `${at(from)} – ${at(to)}${length}`;
}
