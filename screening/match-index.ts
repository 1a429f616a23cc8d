import { createPostingsBuilder, drain, hashPair, type HashedPostings } from './hashed-postings.ts';
import type { EntityKind, ListEntity, ScreenedSchema } from './list-entity.ts';
import { LEFT_OVER_PROBE, probeLookup, scoreName } from './name-score.ts';
import { normaliseName } from './normalise-name.ts';
import { probeVariants, type ProbeVariant } from './probe-variants.ts';
import { timeSlices } from './time-slices.ts';
import { createVocabularyBuilder, type TokenVocabulary } from './token-vocabulary.ts';

/**
 * A screening list ready to match names against, built once per list version and never
 * changed (a new version is a new index). Candidates come from pairs of tokens: each list
 * name is filed under every pair of its rarest tokens (a one-token name under that token),
 * and a probe looks up the pairs of the list tokens its own tokens may stand for. A probe is
 * so compared with the names sharing two of its tokens, typos allowed, never with the list.
 */
export interface MatchIndex {
  screen(name: string, probe?: ProbeFacts): ScreeningResult;
  /** Entities, names (aliases included) and distinct tokens indexed. */
  readonly size: { entities: number; names: number; tokens: number };
  /** The index's own arrays and its per-probe scratch arrays, estimated; the entities it holds are the caller's. */
  readonly memoryBytes: number;
}

/** What the message says of the party besides its name; each strengthens or weakens a match when the entity has it too. */
export interface ProbeFacts {
  birthYear?: number;
  /** ISO 3166 alpha-2, either case. */
  country?: string;
  /** Overrides the index's threshold for this call (a console's test box may look lower). */
  threshold?: number;
  limit?: number;
}

export interface ScreeningResult {
  /** At or above the threshold, best first, one per entity. */
  candidates: Candidate[];
  /** List names scored for this probe: what retrieval let through, far below the list's size. */
  compared: number;
}

export interface Candidate {
  entityId: string;
  schema: ScreenedSchema;
  kind: EntityKind;
  /** The list name (or alias) that matched best, as the list writes it. */
  matchedName: string;
  /** The name's score with the strengtheners applied, 0..1. */
  score: number;
  /** The name's score alone. */
  nameScore: number;
  birthYear?: 'agrees' | 'contradicts';
  country?: 'agrees' | 'contradicts';
}

export interface MatchIndexOptions {
  threshold: number;
  limit: number;
  /** List names scored per probe at most; rarer token pairs are looked at first. */
  maxCandidates: number;
  /** The score of a weak alias matched exactly (a weak alias matches only exactly): below the threshold, so "John Lee" alone is no hit, above it with a birth year agreeing. */
  weakAliasScore: number;
  /** Share of the gap to 1 an agreeing birth year closes, and the factor a contradicting one (more than a year apart) applies. */
  birthYearAgrees: number;
  birthYearContradicts: number;
  countryAgrees: number;
  countryContradicts: number;
}

export const DEFAULT_MATCH_OPTIONS: MatchIndexOptions = {
  threshold: 0.85,
  limit: 10,
  maxCandidates: 100,
  weakAliasScore: 0.8,
  birthYearAgrees: 0.5,
  birthYearContradicts: 0.75,
  countryAgrees: 0.2,
  countryContradicts: 0.9,
};

/** Tokens of a long name that are paired: the rarest ones, enough for any probe naming most of it. */
const PAIRED_TOKENS = 8;
const SYLLABIC = /[\p{Script=Han}\p{Script=Hangul}]/u;
/** Tokens of a probe that are read; a longer probe is cut (no party's name is longer). */
const MAX_PROBE_TOKENS = 12;
/** Names walked per probe through its rarer pairs at most (see candidateNames). */
const WALK_BUDGET = 2048;
/** Pairs of MAX_PROBE_TOKENS + 1 tokens: past it a count of shared pairs says no more shared tokens. */
const MOST_PAIRS = ((MAX_PROBE_TOKENS + 1) * MAX_PROBE_TOKENS) / 2;

export function createMatchIndex(entities: readonly ListEntity[], options: Partial<MatchIndexOptions> = {}): MatchIndex {
  return drain(indexInSteps(entities, options));
}

/**
 * The same index built in time slices: the build gives the event loop back at least every
 * `sliceMs` (default 10) so a process taking payments keeps answering while a large list
 * (5 s of work for 1,000,000 names) is indexed. It takes longer in all.
 */
export async function buildMatchIndex(entities: readonly ListEntity[], options: Partial<MatchIndexOptions> = {}, sliceMs = 10): Promise<MatchIndex> {
  const steps = indexInSteps(entities, options);
  const slices = timeSlices(sliceMs);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (slices.due()) await slices.pause();
  }
}

/** Names normalised between two pauses of a build in steps. */
const NAMES_PER_STEP = 200;

function* indexInSteps(entities: readonly ListEntity[], options: Partial<MatchIndexOptions>): Generator<void, MatchIndex> {
  const settings = { ...DEFAULT_MATCH_OPTIONS, ...options };
  const vocabularyBuilder = createVocabularyBuilder();
  const nameEntity: number[] = [];
  const nameOrdinal: number[] = [];
  const nameOmits: number[] = [];
  const nameWeak: number[] = [];
  const tokenStarts: number[] = [0];
  const tokenIds: number[] = [];
  let normalised = 0;
  for (let entityIndex = 0; entityIndex < entities.length; entityIndex++) {
    const entity = entities[entityIndex]!;
    const all = entity.weakAliases.length > 0 ? [...entity.names, ...entity.weakAliases] : entity.names;
    for (let ordinal = 0; ordinal < all.length; ordinal++) {
      const name = all[ordinal]!;
      const tokens = normaliseName(name);
      if (++normalised % NAMES_PER_STEP === 0) yield;
      if (tokens.length === 0) continue;
      tokenIds.push(...vocabularyBuilder.addName(tokens));
      tokenStarts.push(tokenIds.length);
      nameEntity.push(entityIndex);
      nameOrdinal.push(ordinal);
      nameOmits.push(entity.schema === 'Person' && !SYLLABIC.test(name) ? 1 : 0);
      nameWeak.push(ordinal >= entity.names.length ? 1 : 0);
    }
  }
  const vocabulary = yield* vocabularyBuilder.buildInSteps();
  // Each copy of millions of numbers is tens of milliseconds: one a step.
  const entity = Uint32Array.from(nameEntity);
  yield;
  const ordinal = Uint32Array.from(nameOrdinal);
  yield;
  const middlesOmittable = Uint8Array.from(nameOmits);
  yield;
  // Whether a name is a weak alias, without reading its entity: a candidate's entity is an
  // object somewhere on the heap, and most candidates' are never needed.
  const weakAlias = Uint8Array.from(nameWeak);
  yield;
  const starts = Uint32Array.from(tokenStarts);
  yield;
  const names = { entity, ordinal, middlesOmittable, weakAlias, tokenStarts: starts, tokenIds: Uint32Array.from(tokenIds) };
  yield;
  const pairs = yield* filePairs(names.tokenStarts, names.tokenIds, vocabulary);
  const scratch: Scratch = {
    stamp: new Uint32Array(nameEntity.length),
    hits: new Uint16Array(nameEntity.length),
    generation: 0,
    tokenBit: new Int8Array(vocabulary.size).fill(-1),
    found: new Uint32Array(nameEntity.length),
    byHits: new Uint32Array(0x10000),
    byLength: new Uint32Array(LENGTH_BUCKETS),
  };
  const memoryBytes =
    names.entity.byteLength + names.ordinal.byteLength + names.middlesOmittable.byteLength + names.weakAlias.byteLength + names.tokenStarts.byteLength + names.tokenIds.byteLength + vocabulary.bytes + pairs.bytes +
    scratch.stamp.byteLength + scratch.hits.byteLength + scratch.tokenBit.byteLength + scratch.found.byteLength +
    scratch.byHits.byteLength + scratch.byLength.byteLength;
  const nameTokens = {
    nameLength: (nameIndex: number) => names.tokenStarts[nameIndex + 1]! - names.tokenStarts[nameIndex]!,
    tokenStarts: names.tokenStarts,
    tokenIds: names.tokenIds,
    holds(nameIndex: number, a: number, b: number) {
      const own = names.tokenIds.subarray(names.tokenStarts[nameIndex]!, names.tokenStarts[nameIndex + 1]!);
      return own.includes(a) && own.includes(b);
    },
  };

  const screen = (name: string, probe: ProbeFacts = {}): ScreeningResult => {
    const tokens = normaliseName(name).slice(0, MAX_PROBE_TOKENS);
    if (tokens.length === 0) return { candidates: [], compared: 0 };
    const variants = probeVariants(tokens, vocabulary).map((variant) => ({ variant, lookup: probeLookup(variant) }));
    const threshold = probe.threshold ?? settings.threshold;
    const found = candidateNames(variants.map((v) => v.variant), pairs, scratch, threshold, settings.maxCandidates, nameTokens);
    const best = new Map<number, { nameIndex: number; score: number }>();
    for (const nameIndex of found) {
      const entityIndex = names.entity[nameIndex]!;
      const weak = names.weakAlias[nameIndex] === 1;
      let score = 0;
      for (const { variant, lookup } of variants) {
        const s = scoreName(names.tokenIds, names.tokenStarts[nameIndex]!, names.tokenStarts[nameIndex + 1]!, variant, lookup, vocabulary, weak, names.middlesOmittable[nameIndex] === 1);
        score = Math.max(score, weak ? s * settings.weakAliasScore : s);
      }
      const previous = best.get(entityIndex);
      if (score > 0 && (previous === undefined || score > previous.score)) best.set(entityIndex, { nameIndex, score });
    }
    const candidates: Candidate[] = [];
    for (const [entityIndex, { nameIndex, score }] of best) {
      const entity = entities[entityIndex]!;
      const candidate = strengthened(entity, score, probe, settings);
      if (candidate.score < threshold) continue;
      const ordinal = names.ordinal[nameIndex]!;
      candidates.push({
        entityId: entity.id,
        schema: entity.schema,
        kind: entity.kind,
        matchedName: ordinal < entity.names.length ? entity.names[ordinal]! : entity.weakAliases[ordinal - entity.names.length]!,
        ...candidate,
      });
    }
    candidates.sort((a, b) => b.score - a.score || a.entityId.localeCompare(b.entityId));
    return { candidates: candidates.slice(0, probe.limit ?? settings.limit), compared: found.length };
  };

  return {
    screen,
    size: { entities: entities.length, names: nameEntity.length, tokens: vocabulary.size },
    memoryBytes,
  };
}

function* filePairs(tokenStarts: Uint32Array, tokenIds: Uint32Array, vocabulary: TokenVocabulary): Generator<void, HashedPostings> {
  // At most this many postings (repeated tokens file fewer): the builder never grows.
  let most = 0;
  for (let nameIndex = 0; nameIndex + 1 < tokenStarts.length; nameIndex++) {
    const length = Math.min(tokenStarts[nameIndex + 1]! - tokenStarts[nameIndex]!, PAIRED_TOKENS);
    most += length <= 1 ? 1 : (length * (length - 1)) / 2;
  }
  yield;
  const builder = createPostingsBuilder(most);
  for (let nameIndex = 0; nameIndex + 1 < tokenStarts.length; nameIndex++) {
    if (nameIndex % (10 * NAMES_PER_STEP) === 0) yield;
    const distinct = [...new Set(tokenIds.subarray(tokenStarts[nameIndex]!, tokenStarts[nameIndex + 1]!))];
    if (distinct.length === 1) {
      builder.add(hashPair(distinct[0]!, distinct[0]!), nameIndex);
      continue;
    }
    const paired = distinct.length <= PAIRED_TOKENS ? distinct : distinct.sort((a, b) => vocabulary.weight(b) - vocabulary.weight(a)).slice(0, PAIRED_TOKENS);
    for (let i = 0; i < paired.length; i++) {
      for (let j = i + 1; j < paired.length; j++) builder.add(hashPair(paired[i]!, paired[j]!), nameIndex);
    }
  }
  return yield* builder.buildInSteps();
}

/** Scratch arrays of one index, reused by every probe (screening is synchronous). */
interface Scratch {
  stamp: Uint32Array;
  hits: Uint16Array;
  generation: number;
  /** Per token id: its bit among a probe's crowded pairs' tokens, -1 otherwise (see crowdedPairs). */
  tokenBit: Int8Array;
  /** The names a probe's walk found, then those kept, in place: no array grows per probe. */
  found: Uint32Array;
  /** Counts of kept names per number of shared pairs, then per length (see mostShared); all zero between probes. */
  byHits: Uint32Array;
  byLength: Uint32Array;
}

/**
 * The list names filed under the pairs a probe's tokens can form, each once, those that can
 * still reach the threshold. A name hit by h pairs shares at most m tokens with the probe,
 * m(m-1)/2 <= h; if even the probe's m heaviest tokens matched and the rest were left over,
 * it would score below the threshold, it is not scored. Most hits first, at most `maxCandidates`.
 *
 * A name that can reach the threshold shares at least `least` tokens, so it is under at
 * least least(least-1)/2 of the pairs: the most crowded pairs but one of those ("kim" with
 * "ji" in a list of Korean names) are not walked; the names found elsewhere are only asked
 * whether they hold them.
 */
function candidateNames(
  variants: readonly ProbeVariant[],
  pairs: HashedPostings,
  scratch: Scratch,
  threshold: number,
  maxCandidates: number,
  names: { nameLength(nameIndex: number): number; tokenStarts: Uint32Array; tokenIds: Uint32Array; holds(nameIndex: number, a: number, b: number): boolean },
): number[] {
  const reachable = reachableScores(variants);
  let least = 1;
  while (least < MAX_PROBE_TOKENS && reachable(least) < threshold) least += 1;
  const byKey = new Map<number, { a: number; b: number; count: number }>();
  for (const variant of variants) {
    for (let i = 0; i < variant.length; i++) {
      for (const { id: a } of variant[i]!.alternatives) {
        if (least === 1) byKey.set(hashPair(a, a), { a, b: a, count: 0 });
        for (let j = i + 1; j < variant.length; j++) {
          for (const { id: b } of variant[j]!.alternatives) if (a !== b) byKey.set(hashPair(a, b), { a, b, count: 0 });
        }
      }
    }
  }
  const keys = [...byKey].map(([key, pair]) => ({ key, ...pair, count: pairs.count(key) })).filter((k) => k.count > 0);
  keys.sort((x, y) => x.count - y.count);
  // Counted on three shared tokens at most: a long name is filed under its rarest tokens only.
  const sharedSurely = Math.min(least, 3);
  const crowded = keys.splice(keys.length - Math.min(keys.length, Math.max(0, (sharedSurely * (sharedSurely - 1)) / 2 - 1)));
  // Past WALK_BUDGET names, the more crowded pairs are only asked of the names already found:
  // a name sharing nothing rarer with the probe than pairs of its most common syllables
  // ("shang hai", "mao yi" in a list of Chinese companies) cannot reach the threshold on
  // weights of such common tokens, and walking them cost milliseconds per probe.
  let cut = 1;
  let walked = keys[0]?.count ?? 0;
  while (cut < keys.length && walked + keys[cut]!.count <= WALK_BUDGET) walked += keys[cut++]!.count;
  // Only when a name sharing every token of the pairs left unwalked would still score below
  // the threshold ("liu hao" alone is a whole name: its one pair is always walked).
  if (cut < keys.length && reachableOnly(variants, keys.slice(cut)) < threshold) crowded.unshift(...keys.splice(cut));
  scratch.generation += 1;
  if (scratch.generation === 0xffffffff) {
    scratch.stamp.fill(0);
    scratch.generation = 1;
  }
  const generation = scratch.generation;
  const { found, stamp, hits } = scratch;
  let foundCount = 0;
  const visit = (nameIndex: number) => {
    if (stamp[nameIndex] !== generation) {
      stamp[nameIndex] = generation;
      hits[nameIndex] = 1;
      found[foundCount++] = nameIndex;
    } else if (hits[nameIndex]! < 0xffff) {
      hits[nameIndex]! += 1;
    }
  };
  for (const { key } of keys) pairs.forEach(key, visit);
  const crowdedHeld = crowdedPairs(crowded, names, scratch.tokenBit);
  // A name sharing `least` tokens is under least(least-1)/2 of the pairs: one short of that
  // even if it held every crowded pair is out without its tokens being read.
  const enough = (least * (least - 1)) / 2;
  const keeps = (nameIndex: number) => {
    if (names.nameLength(nameIndex) > PAIRED_TOKENS) return true;
    if (hits[nameIndex]! + crowded.length < enough) return false;
    const h = hits[nameIndex]! + crowdedHeld.held(nameIndex);
    hits[nameIndex] = Math.min(h, 0xffff);
    const shared = Math.floor((1 + Math.sqrt(1 + 8 * h)) / 2);
    return reachable(shared) >= threshold;
  };
  let keptCount = 0;
  if (crowded.length === 0) {
    // Nothing to ask of the names: a name is kept on its count of pairs alone (the fewest that
    // can reach the threshold, found once), or for its length, read only when the count is short.
    let fewest = enough;
    while (fewest <= MOST_PAIRS && reachable(Math.floor((1 + Math.sqrt(1 + 8 * fewest)) / 2)) < threshold) fewest += 1;
    if (fewest > MOST_PAIRS) fewest = Number.POSITIVE_INFINITY;
    for (let i = 0; i < foundCount; i++) {
      const nameIndex = found[i]!;
      if (hits[nameIndex]! >= fewest || names.nameLength(nameIndex) > PAIRED_TOKENS) found[keptCount++] = nameIndex;
    }
  } else {
    for (let i = 0; i < foundCount; i++) if (keeps(found[i]!)) found[keptCount++] = found[i]!;
  }
  crowdedHeld.done();
  const kept = found.subarray(0, keptCount);
  return keptCount > maxCandidates ? mostShared(kept, maxCandidates, names.nameLength, scratch) : Array.from(kept);
}

/** Names longer than this many tokens are ranked as equally long among themselves (by when they were found). */
const LENGTH_BUCKETS = 64;

/**
 * The `max` kept names that share the most pairs with the probe; among equals the shorter
 * name, which has less left over and so scores higher (a two-syllable name among thousands of
 * longer names sharing its pair); among those the first found. In that order, as a stable sort
 * of all of them would give, but in linear time: a probe of a common surname and given name
 * keeps thousands of names, and sorting them was a tenth of its time.
 */
function mostShared(kept: Uint32Array, max: number, nameLength: (nameIndex: number) => number, scratch: Scratch): number[] {
  const { hits, byHits, byLength } = scratch;
  const lengthOf = (nameIndex: number) => Math.min(nameLength(nameIndex), LENGTH_BUCKETS - 1);
  let most = 0;
  for (let i = 0; i < kept.length; i++) {
    const h = hits[kept[i]!]!;
    byHits[h]! += 1;
    if (h > most) most = h;
  }
  // The fewest shared pairs still taken, and how many names share more (fewer than max).
  let cutHits = most;
  let above = 0;
  while (above + byHits[cutHits]! < max) above += byHits[cutHits--]!;
  for (let i = 0; i < kept.length; i++) byHits[hits[kept[i]!]!] = 0;
  // Among the names at the cut, the longest length still taken, and how many are shorter.
  for (let i = 0; i < kept.length; i++) if (hits[kept[i]!] === cutHits) byLength[lengthOf(kept[i]!)]! += 1;
  const need = max - above;
  let cutLength = 0;
  let shorter = 0;
  while (shorter + byLength[cutLength]! < need) shorter += byLength[cutLength++]!;
  byLength.fill(0);
  let atCut = need - shorter;
  const chosen: number[] = [];
  for (let i = 0; i < kept.length; i++) {
    const nameIndex = kept[i]!;
    const h = hits[nameIndex]!;
    if (h < cutHits) continue;
    if (h === cutHits) {
      const length = lengthOf(nameIndex);
      if (length > cutLength || (length === cutLength && atCut-- <= 0)) continue;
    }
    chosen.push(nameIndex);
  }
  return chosen.sort((a, b) => hits[b]! - hits[a]! || lengthOf(a) - lengthOf(b));
}

/**
 * How many of the crowded pairs a name holds both tokens of: one pass over the name's tokens
 * reading each one's bit (at most 32 distinct tokens, from a per-index table indexed by token
 * id, so no hashing), then a mask test per pair. `done` clears the table for the next probe.
 */
function crowdedPairs(
  crowded: ReadonlyArray<{ a: number; b: number }>,
  names: { tokenStarts: Uint32Array; tokenIds: Uint32Array; holds(nameIndex: number, a: number, b: number): boolean },
  tokenBit: Int8Array,
): { held(nameIndex: number): number; done(): void } {
  if (crowded.length === 0) return { held: () => 0, done: () => undefined };
  const ids: number[] = [];
  for (const { a, b } of crowded) {
    for (const id of [a, b]) {
      if (tokenBit[id] === -1 && ids.length < 32) {
        tokenBit[id] = ids.length;
        ids.push(id);
      }
    }
  }
  const done = () => {
    for (const id of ids) tokenBit[id] = -1;
  };
  if (crowded.some(({ a, b }) => tokenBit[a] === -1 || tokenBit[b] === -1)) {
    return { held: (nameIndex) => crowded.reduce((n, { a, b }) => n + (names.holds(nameIndex, a, b) ? 1 : 0), 0), done };
  }
  const masks = Uint32Array.from(crowded, ({ a, b }) => ((1 << tokenBit[a]!) | (1 << tokenBit[b]!)) >>> 0);
  const { tokenStarts, tokenIds } = names;
  return {
    held(nameIndex) {
      let bits = 0;
      for (let at = tokenStarts[nameIndex]!, end = tokenStarts[nameIndex + 1]!; at < end; at++) {
        const bit = tokenBit[tokenIds[at]!]!;
        if (bit >= 0) bits |= 1 << bit;
      }
      let n = 0;
      for (let m = 0; m < masks.length; m++) if (((bits & masks[m]!) >>> 0) === masks[m]) n += 1;
      return n;
    },
    done,
  };
}

/** The best score a name could reach sharing with the probe only the tokens of `pairs`, over the probe's readings. */
function reachableOnly(variants: readonly ProbeVariant[], pairs: ReadonlyArray<{ a: number; b: number }>): number {
  const ids = new Set<number>();
  for (const { a, b } of pairs) ids.add(a).add(b);
  let best = 0;
  for (const variant of variants) {
    let top = 0;
    let total = 0;
    for (const token of variant) {
      total += token.weight;
      if (token.alternatives.some(({ id }) => ids.has(id))) top += token.weight;
    }
    const reach = top === 0 ? 0 : top / (top + LEFT_OVER_PROBE * (total - top));
    if (reach > best) best = reach;
  }
  return best;
}

/** The best score a name sharing m tokens with the probe could reach, over the probe's readings. */
function reachableScores(variants: readonly ProbeVariant[]): (shared: number) => number {
  const table = new Float64Array(MAX_PROBE_TOKENS + 2);
  for (const variant of variants) {
    const weights = variant.map((t) => t.weight).sort((a, b) => b - a);
    const total = weights.reduce((sum, w) => sum + w, 0);
    let top = 0;
    for (let m = 1; m < table.length; m++) {
      top += weights[m - 1] ?? 0;
      const reach = top === 0 ? 0 : top / (top + LEFT_OVER_PROBE * (total - top));
      if (reach > table[m]!) table[m] = reach;
    }
  }
  return (shared) => table[Math.min(shared, table.length - 1)]!;
}

function strengthened(entity: ListEntity, nameScore: number, probe: ProbeFacts, settings: MatchIndexOptions) {
  let score = nameScore;
  const out: Pick<Candidate, 'score' | 'nameScore' | 'birthYear' | 'country'> = { score, nameScore };
  if (probe.birthYear !== undefined && entity.birthYears.length > 0) {
    const gap = Math.min(...entity.birthYears.map((year) => Math.abs(year - probe.birthYear!)));
    if (gap === 0) {
      score += (1 - score) * settings.birthYearAgrees;
      out.birthYear = 'agrees';
    } else if (gap > 1) {
      score *= settings.birthYearContradicts;
      out.birthYear = 'contradicts';
    }
  }
  if (probe.country !== undefined && entity.countries.length > 0) {
    if (entity.countries.includes(probe.country.toLowerCase())) {
      score += (1 - score) * settings.countryAgrees;
      out.country = 'agrees';
    } else {
      score *= settings.countryContradicts;
      out.country = 'contradicts';
    }
  }
  out.score = score;
  return out;
}
