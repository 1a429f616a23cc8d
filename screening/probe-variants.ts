import type { TokenVocabulary } from './token-vocabulary.ts';

/**
 * The ways a probe name's tokens may be read against a list: as written, with two adjacent
 * tokens joined ("Jong Un" for a list's "Jongun") or one split in two ("Jinping" for the
 * "jin ping" of 习近平). Each token carries the list tokens it may stand for: itself and the
 * tokens one or two typos away.
 */
export interface ProbeToken {
  token: string;
  /** Its weight if unmatched: the rarity of the list token it is, or is nearest to. */
  weight: number;
  alternatives: Array<{ id: number; similarity: number }>;
}

export type ProbeVariant = ProbeToken[];

const MAX_ALTERNATIVES = 4;
const MAX_VARIANTS = 6;
const MIN_PART = 2;

export function probeVariants(tokens: readonly string[], vocabulary: TokenVocabulary): ProbeVariant[] {
  const segmentations: string[][] = [[...tokens]];
  const seen = new Set([tokens.join(' ')]);
  const add = (segmentation: string[]) => {
    const key = segmentation.join(' ');
    if (segmentations.length < MAX_VARIANTS && !seen.has(key)) {
      seen.add(key);
      segmentations.push(segmentation);
    }
  };
  for (let i = 0; i + 1 < tokens.length; i++) {
    const joined = tokens[i]! + tokens[i + 1]!;
    if (vocabulary.idOf(joined) !== undefined) add([...tokens.slice(0, i), joined, ...tokens.slice(i + 2)]);
  }
  const splitAll: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const parts = splitInTwo(tokens[i]!, vocabulary);
    if (parts !== undefined) add([...tokens.slice(0, i), ...parts, ...tokens.slice(i + 1)]);
    splitAll.push(...(parts ?? [tokens[i]!]));
  }
  add(splitAll);
  return segmentations.map((segmentation) => segmentation.map((token) => probeToken(token, vocabulary)));
}

/**
 * The first split of a token no list name holds into two list tokens ("jongun" -> jong + un).
 * A token the list holds is not split: "Shenzhen" would become every "shen zhen" of the list.
 */
function splitInTwo(token: string, vocabulary: TokenVocabulary): [string, string] | undefined {
  if (vocabulary.idOf(token) !== undefined) return undefined;
  for (let at = MIN_PART; at <= token.length - MIN_PART; at++) {
    const left = token.slice(0, at);
    const right = token.slice(at);
    if (vocabulary.idOf(left) !== undefined && vocabulary.idOf(right) !== undefined) return [left, right];
  }
  return undefined;
}

function probeToken(token: string, vocabulary: TokenVocabulary): ProbeToken {
  const exact = vocabulary.idOf(token);
  const near = vocabulary.near(token, MAX_ALTERNATIVES);
  const alternatives = exact === undefined ? near : [{ id: exact, similarity: 1 }, ...near.slice(0, MAX_ALTERNATIVES - 1)];
  const closest = alternatives[0];
  // A lone letter is an initial ("Vladimir V. Putin"): it neither counts nor contradicts.
  const weight = token.length === 1 ? 0 : closest === undefined ? vocabulary.unseenWeight : vocabulary.weight(closest.id);
  return { token, weight, alternatives };
}
