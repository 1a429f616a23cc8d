import { readdirSync, readFileSync } from 'node:fs';

/** What the kernel says a process holds in memory, in MiB (Linux /proc only). */
export interface ProcessMemory {
  /** VmRSS: resident now. */
  rssMiB: number;
  /** VmHWM: the highest resident size the process ever reached. */
  peakRssMiB: number;
}

/** undefined when the process is gone (or a zombie, which has no VmRSS line). */
export function readProcessMemory(pid: number): ProcessMemory | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const rss = statusKiB(status, 'VmRSS');
  if (rss === undefined) return undefined;
  return { rssMiB: rss / 1024, peakRssMiB: (statusKiB(status, 'VmHWM') ?? rss) / 1024 };
}

function statusKiB(status: string, field: string): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
  return match ? Number(match[1]) : undefined;
}

/**
 * The child of `parentPid` whose command name is `name` (e.g. the platform's own
 * redis-server). /proc/<pid>/task/<tid>/children lists only the children of that one
 * thread and needs CONFIG_PROC_CHILDREN, so every process's parent is read instead.
 */
export function findChildProcess(parentPid: number, name: string): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat && stat.ppid === parentPid && stat.comm === name) return Number(entry);
  }
  return undefined;
}

/**
 * `pid (comm) state ppid ...`; comm may itself hold spaces and parentheses, so split at the
 * last ')'. `fields` are those after comm: fields[0] is the state, fields[1] the ppid.
 */
export function readStat(pid: number): { comm: string; ppid: number; fields: string[] } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const fields = text.slice(close + 2).split(' ');
  return { comm: text.slice(open + 1, close), ppid: Number(fields[1]), fields };
}
