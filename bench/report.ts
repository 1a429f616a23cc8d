import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchSettings, SuiteResult } from './suite.ts';
import { formatMs } from './traffic/stats.ts';

/** Where and on what the figures were measured: they mean nothing without it. */
export interface MachineInfo {
  date: string;
  node: string;
  cpuCount: number;
  cpuModel: string;
  platform: string;
  totalMemoryMb: number;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpuCount: os.availableParallelism?.() ?? cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    totalMemoryMb: Math.round(os.totalmem() / 1024 / 1024),
  };
}

export function formatSuite(result: SuiteResult, settings: Omit<BenchSettings, 'log'>): string {
  const header = ['name', 'per second', 'p50 ms', 'p99 ms', 'max ms', 'non-2xx'];
  const rows = result.measurements.map((m) => [
    m.name,
    Math.round(m.perSecond).toLocaleString('en-US'),
    formatMs(m.p50Ms),
    formatMs(m.p99Ms),
    formatMs(m.maxMs),
    String(m.failures),
  ]);
  const lines = [
    `${result.suite}: ${result.description}`,
    result.method ?? `closed loop, ${settings.concurrency} in flight, ${settings.warmupS} s warm-up, ${settings.measureS} s measured`,
    '',
    ...table(header, rows),
  ];
  if (result.ratios.length > 0) {
    const subjects = new Set(result.ratios.map((r) => r.subject));
    // With one subject its name would only repeat on every line.
    const label = (r: SuiteResult['ratios'][number]) => (subjects.size > 1 ? `${r.subject} vs ${r.baseline}` : `vs ${r.baseline}`);
    lines.push(
      '',
      ...table(
        [subjects.size > 1 ? 'ratio' : `${[...subjects][0]} ratio`, 'throughput', 'p99'],
        result.ratios.map((r) => [label(r), `${r.throughput.toFixed(3)}x`, `${r.p99.toFixed(2)}x`]),
      ),
    );
  }
  if (result.notes?.length) lines.push('', ...result.notes);
  for (const warning of result.warnings) lines.push('', `WARNING: ${warning}`);
  return lines.join('\n');
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  // The first column is text and reads left-aligned; the figures line up on the right.
  const format = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(format)];
}

export function writeResults(file: string, content: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`);
}
