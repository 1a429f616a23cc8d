import { api } from '../api.js';

/**
 * Follows a background job (GET /v1/jobs/{id}) until it completes or fails: every answer to
 * `onUpdate`, the last one to `onDone` too, a failure to read it to `onError`. `stop()` ends
 * it at once, the request in flight included, and nothing is called after it.
 */
const POLL_MS = 500;

export function watchJob(jobId, { onUpdate, onDone, onError, intervalMs = POLL_MS }) {
  const controller = new AbortController();
  let timer;
  let stopped = false;

  const tick = async () => {
    let job;
    try {
      job = await api(`/v1/jobs/${encodeURIComponent(jobId)}`, { signal: controller.signal });
    } catch (e) {
      if (stopped || e?.name === 'AbortError') return;
      stopped = true;
      onError?.(e);
      return;
    }
    if (stopped) return;
    onUpdate?.(job);
    if (stopped) return;
    if (job.state === 'completed' || job.state === 'failed') {
      stopped = true;
      onDone?.(job);
      return;
    }
    timer = setTimeout(tick, intervalMs);
  };
  void tick();

  return {
    stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      controller.abort();
    },
  };
}
