import { readStat } from './soak/process-memory.ts';

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ, 100 on Linux's x86 and arm ABIs). */
const USER_HZ = 100;

/** CPU seconds (user + system, every thread) a process has used so far; undefined when it is gone or not on Linux. */
export function cpuSeconds(pid: number): number | undefined {
  const stat = readStat(pid);
  if (!stat) return undefined;
  const utime = Number(stat.fields[11]);
  const stime = Number(stat.fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / USER_HZ : undefined;
}

/**
 * CPU used by named processes between `start()` and `stop()`, in milliseconds per
 * operation: where the time of a load run went (server, its Redis, the load generator).
 */
export function cpuMeter(processes: Record<string, number | undefined>) {
  let before: Record<string, number | undefined> = {};
  const read = () => Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, pid === undefined ? undefined : cpuSeconds(pid)]));
  return {
    start() {
      before = read();
    },
    /** Milliseconds of CPU per operation for each process that could be read both times. */
    stop(operations: number): Record<string, number> {
      const after = read();
      const perOp: Record<string, number> = {};
      for (const [name, end] of Object.entries(after)) {
        const begin = before[name];
        if (begin !== undefined && end !== undefined && operations > 0) perOp[name] = ((end - begin) * 1000) / operations;
      }
      return perOp;
    },
  };
}
