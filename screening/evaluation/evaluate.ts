import { readFileSync } from 'node:fs';
import type { MatchIndex } from '../match-index.ts';

/**
 * The labelled evaluation set (probes.json) run against an index of the sample list: per
 * variant kind, how many true variants found their entity among the candidates (recall) and
 * how many look-alikes found any (false-positive rate).
 */
export interface Probe {
  probe: string;
  /** The entity the probe names, or null for a look-alike that names none. */
  expected: string | null;
  kind: string;
  birthYear?: number;
  country?: string;
}

export interface KindResult {
  kind: string;
  probes: number;
  /** True variants: found their entity. Look-alikes: matched nothing. */
  right: number;
  /** recall for true variants, false-positive rate for look-alikes */
  rate: number;
  misses: Array<{ probe: string; expected: string | null; got: string[] }>;
}

export interface Evaluation {
  kinds: KindResult[];
  recall: number;
  falsePositiveRate: number;
  trueProbes: number;
  lookAlikeProbes: number;
}

export function readProbes(file = new URL('./probes.json', import.meta.url)): Probe[] {
  return JSON.parse(readFileSync(file, 'utf8')) as Probe[];
}

export function evaluate(index: MatchIndex, probes: readonly Probe[]): Evaluation {
  const byKind = new Map<string, KindResult>();
  let found = 0;
  let trueProbes = 0;
  let falsePositives = 0;
  let lookAlikeProbes = 0;
  for (const p of probes) {
    const facts = { ...(p.birthYear === undefined ? {} : { birthYear: p.birthYear }), ...(p.country === undefined ? {} : { country: p.country }) };
    const got = index.screen(p.probe, facts).candidates.map((c) => c.entityId);
    const right = p.expected === null ? got.length === 0 : got.includes(p.expected);
    const result = byKind.get(p.kind) ?? { kind: p.kind, probes: 0, right: 0, rate: 0, misses: [] };
    result.probes += 1;
    if (right) result.right += 1;
    else result.misses.push({ probe: p.probe, expected: p.expected, got });
    byKind.set(p.kind, result);
    if (p.expected === null) {
      lookAlikeProbes += 1;
      if (!right) falsePositives += 1;
    } else {
      trueProbes += 1;
      if (right) found += 1;
    }
  }
  const kinds = [...byKind.values()].map((k) => ({
    ...k,
    rate: k.kind.startsWith('lookalike') ? (k.probes - k.right) / k.probes : k.right / k.probes,
  }));
  return {
    kinds,
    recall: trueProbes === 0 ? 1 : found / trueProbes,
    falsePositiveRate: lookAlikeProbes === 0 ? 0 : falsePositives / lookAlikeProbes,
    trueProbes,
    lookAlikeProbes,
  };
}
