import { Worker } from 'node:worker_threads';

/**
 * A worker thread running a .ts file: tsx registers its loader in the worker itself (on
 * Node 20, `--import tsx` in a worker's execArgv does not), which works the same under vitest.
 */
export function startTypeScriptWorker(file: URL, workerData: unknown): Worker {
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(file.href)}); });`;
  return new Worker(boot, { eval: true, workerData, execArgv: [] });
}
