/** What every benchmark suite reports, so bench/run.ts can print and store any of them. */

export interface BenchSettings {
  concurrency: number;
  warmupS: number;
  measureS: number;
  log: (line: string) => void;
}

export interface Measurement {
  name: string;
  /** The thing under test, or a baseline measured in the same run for comparison. */
  role: 'subject' | 'baseline';
  completed: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Non-2xx answers and errors in the measurement window: must be 0 for a valid run. */
  failures: number;
  failureKinds: Record<string, number>;
}

export interface Ratio {
  subject: string;
  baseline: string;
  /** subject per-second / baseline per-second. */
  throughput: number;
  /** subject p99 / baseline p99. */
  p99: number;
}

export interface SuiteResult {
  suite: string;
  description: string;
  measurements: Measurement[];
  ratios: Ratio[];
  warnings: string[];
  /** Figures that are not a rate and a latency, printed under the table. */
  notes?: string[];
  /** How it was measured, when not the closed loop of the settings. */
  method?: string;
}

export interface Suite {
  name: string;
  description: string;
  run(settings: BenchSettings): Promise<SuiteResult>;
}

/** Every subject against every baseline. */
export function ratiosOf(measurements: readonly Measurement[]): Ratio[] {
  const subjects = measurements.filter((m) => m.role === 'subject');
  const baselines = measurements.filter((m) => m.role === 'baseline');
  return subjects.flatMap((s) =>
    baselines.map((b) => ({
      subject: s.name,
      baseline: b.name,
      throughput: s.perSecond / b.perSecond,
      p99: s.p99Ms / b.p99Ms,
    })),
  );
}

/** The warnings that make a run invalid: anything but success while measuring. */
export function failureWarnings(measurements: readonly Measurement[]): string[] {
  return measurements
    .filter((m) => m.failures > 0)
    .map((m) => {
      const kinds = Object.entries(m.failureKinds)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5)
        .map(([kind, n]) => `${kind} ${n}`)
        .join(', ');
      return `${m.name}: ${m.failures} of ${m.completed} answers were not successful (${kinds}); the figures are not valid`;
    });
}

export function measurementOf(
  name: string,
  role: Measurement['role'],
  result: {
    completed: number;
    perSecond: number;
    latencyMs: { p50: number; p99: number; max: number };
    failures: number;
    failureKinds: Record<string, number>;
  },
): Measurement {
  return {
    name,
    role,
    completed: result.completed,
    perSecond: result.perSecond,
    p50Ms: result.latencyMs.p50,
    p99Ms: result.latencyMs.p99,
    maxMs: result.latencyMs.max,
    failures: result.failures,
    failureKinds: result.failureKinds,
  };
}
