import { distance } from 'fastest-levenshtein';
import { createPostingsBuilder, drain, hashText, type HashedPostings } from './hashed-postings.ts';

/**
 * Every distinct token of a list's names, with how rare it is and a way to find the tokens a
 * typo is near. Typos are found through one-deletion neighbourhoods (SymSpell): a token and
 * each of its one-letter deletions are keys, so two tokens one edit apart share a key; the
 * candidates are then measured with Levenshtein distance. Only the vocabulary is indexed so,
 * not every name: a list of a million names has a few hundred thousand distinct tokens.
 */
export interface TokenVocabulary {
  idOf(token: string): number | undefined;
  tokenOf(id: number): string;
  /** ln(1 + names / names holding the token): common tokens ("kim", "wang") weigh little. */
  weight(id: number): number;
  /** The weight of a token no name holds. */
  readonly unseenWeight: number;
  /** Tokens within the edits a token of this length allows, the token itself excluded, most similar first. */
  near(token: string, limit: number): Array<{ id: number; similarity: number }>;
  readonly size: number;
  readonly bytes: number;
}

/**
 * Edits allowed between a probe token and a list token, by the shorter one's length: none up
 * to four letters, whose one-edit neighbours are other names (Qing and Qiang, Jung and Jang).
 */
export function editsAllowed(length: number): number {
  if (length < 5) return 0;
  if (length < 8) return 1;
  return 2;
}

/** Levenshtein distance, with two swapped neighbours counted as the one typo they are. */
export function edits(a: string, b: string): number {
  const d = distance(a, b);
  return d === 2 && isOneSwap(a, b) ? 1 : d;
}

function isOneSwap(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let first = -1;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    if (first >= 0) return i === first + 1 && a[first] === b[i] && a[i] === b[first] && a.slice(i + 1) === b.slice(i + 1);
    first = i;
  }
  return false;
}

/** 1 for equal tokens, falling with the share of the longer token that differs. */
export function similarity(a: string, b: string, apart = edits(a, b)): number {
  return 1 - apart / Math.max(a.length, b.length);
}

export function createVocabularyBuilder() {
  const ids = new Map<string, number>();
  const tokens: string[] = [];
  let namesHolding = new Uint32Array(1024);
  let names = 0;
  function* buildInSteps(): Generator<void, TokenVocabulary> {
    const weights = new Float64Array(tokens.length);
    for (let id = 0; id < tokens.length; id++) weights[id] = Math.log(1 + names / Math.max(1, namesHolding[id]!));
    const neighbourhoods = createPostingsBuilder();
    for (let id = 0; id < tokens.length; id++) {
      const token = tokens[id]!;
      if (editsAllowed(token.length) > 0) for (const key of deletionKeys(token)) neighbourhoods.add(key, id);
      if (id % 1000 === 999) yield;
    }
    return vocabulary(ids, tokens, weights, Math.log(1 + Math.max(1, names)), yield* neighbourhoods.buildInSteps());
  }
  return {
    /** The ids of one name's tokens, each name counted once per distinct token. */
    addName(nameTokens: readonly string[]): number[] {
      names += 1;
      const out: number[] = [];
      for (const token of nameTokens) {
        let id = ids.get(token);
        if (id === undefined) {
          id = tokens.length;
          ids.set(token, id);
          tokens.push(token);
          if (id === namesHolding.length) {
            const grown = new Uint32Array(namesHolding.length * 2);
            grown.set(namesHolding);
            namesHolding = grown;
          }
        }
        if (!out.includes(id)) namesHolding[id]! += 1;
        out.push(id);
      }
      return out;
    },
    build: (): TokenVocabulary => drain(buildInSteps()),
    /** The same, pausing (yield) every thousand tokens and inside the postings' layout. */
    buildInSteps,
  };
}

function vocabulary(
  ids: Map<string, number>,
  tokens: readonly string[],
  weights: Float64Array,
  unseenWeight: number,
  neighbourhoods: HashedPostings,
): TokenVocabulary {
  return {
    idOf: (token) => ids.get(token),
    tokenOf: (id) => tokens[id]!,
    weight: (id) => weights[id]!,
    unseenWeight,
    near(token, limit) {
      const allowed = editsAllowed(token.length);
      if (allowed === 0) return [];
      const found = new Map<number, number>();
      for (const key of deletionKeys(token)) {
        neighbourhoods.forEach(key, (id) => {
          if (found.has(id)) return;
          const candidate = tokens[id]!;
          if (candidate === token || Math.abs(candidate.length - token.length) > allowed) {
            found.set(id, -1);
            return;
          }
          const apart = edits(token, candidate);
          found.set(id, apart <= Math.min(allowed, editsAllowed(candidate.length)) ? similarity(token, candidate, apart) : -1);
        });
      }
      return [...found]
        .filter(([, s]) => s > 0)
        .map(([id, s]) => ({ id, similarity: s }))
        .sort((a, b) => b.similarity - a.similarity || weights[b.id]! - weights[a.id]!)
        .slice(0, limit);
    },
    size: tokens.length,
    // Strings and the Map are estimated: about 40 bytes a token besides its characters.
    bytes: weights.byteLength + neighbourhoods.bytes + tokens.reduce((sum, t) => sum + 40 + 2 * t.length, 0),
  };
}

/** The token and each of its one-letter deletions, hashed. */
function deletionKeys(token: string): number[] {
  const keys = [hashText(token)];
  for (let i = 0; i < token.length; i++) {
    if (i > 0 && token[i] === token[i - 1]) continue;
    keys.push(hashText(token.slice(0, i) + token.slice(i + 1)));
  }
  return keys;
}
