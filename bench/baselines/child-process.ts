import { spawn, type ChildProcess } from 'node:child_process';

/** A baseline server run as a child process, stopped with SIGTERM (SIGKILL when it overruns). */
export interface BaselineProcess {
  child: ChildProcess;
  stop(timeoutMs?: number): Promise<void>;
  outputTail(): string;
}

export function spawnBaseline(command: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): BaselineProcess {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-4096));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  return {
    child,
    outputTail: () => tail,
    async stop(timeoutMs = 5000) {
      process.off('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Resolves when `ready()` is true; rejects when the child exits first or the time is up. */
export async function waitUntilReady(
  name: string,
  baseline: BaselineProcess,
  ready: () => Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { exitCode, signalCode } = baseline.child;
    if (exitCode !== null || signalCode !== null) {
      throw new Error(`${name} exited (${exitCode ?? signalCode}) before it was ready: ${baseline.outputTail().trim()}`);
    }
    if (await ready().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await baseline.stop();
  throw new Error(`${name} was not ready within ${timeoutMs / 1000} s: ${baseline.outputTail().trim()}`);
}
