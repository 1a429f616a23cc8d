import type { Job } from 'bullmq';

/** How a BullMQ job is shown through `GET /v1/jobs/{jobId}`, whatever its kind: `progress` is the kind's own. */
export interface JobView<State extends string, Progress, Result> {
  id: string;
  kind: string;
  state: State;
  progress: Progress;
  createdAt: string;
  finishedAt?: string;
  result?: Result;
  error?: string;
}

/** The common part of every job's view, around the progress its kind reads from the job. */
export function jobView<State extends string, Progress, Result>(
  job: Job<unknown, Result>,
  state: State,
  progress: Progress,
): JobView<State, Progress, Result> {
  return {
    id: job.id!,
    kind: job.name,
    state,
    progress,
    createdAt: new Date(job.timestamp).toISOString(),
    ...(job.finishedOn ? { finishedAt: new Date(job.finishedOn).toISOString() } : {}),
    ...(state === 'completed' && job.returnvalue ? { result: job.returnvalue } : {}),
    ...(state === 'failed' ? { error: job.failedReason || 'failed' } : {}),
  };
}
