import type { ProbeVariant } from './probe-variants.ts';
import type { TokenVocabulary } from './token-vocabulary.ts';

/**
 * How well a probe reads as one list name, 0..1: the weight of the name's tokens the probe
 * matches (each at its similarity) over the weight of all of them plus half the weight of
 * the probe's tokens left over. Weights are rarity, so sharing "Kim" with "Kim Jong Un"
 * counts for little and "Kim Min-jun" stays far below it. Order does not matter; a middle
 * token the probe simply omits ("Vladimir Putin" for "Vladimir Vladimirovich Putin") weighs
 * less than one it contradicts.
 */
export const LEFT_OVER_PROBE = 0.5;
const OMITTED_MIDDLE = 0.3;

/** The probe's tokens by the list token ids they may stand for: built once per probe. */
export type ProbeLookup = Map<number, Array<{ position: number; similarity: number }>>;

export function probeLookup(variant: ProbeVariant): ProbeLookup {
  const lookup: ProbeLookup = new Map();
  variant.forEach((probeToken, position) => {
    for (const { id, similarity } of probeToken.alternatives) {
      const at = lookup.get(id);
      if (at === undefined) lookup.set(id, [{ position, similarity }]);
      else at.push({ position, similarity });
    }
  });
  return lookup;
}

// Scratch for the pairing of one name with one probe: names and probes are short, and
// scoring runs thousands of times a probe, so nothing is allocated per name.
const MAX_PAIRINGS = 256;
const pairEntry = new Uint16Array(MAX_PAIRINGS);
const pairPosition = new Uint16Array(MAX_PAIRINGS);
const pairSimilarity = new Float64Array(MAX_PAIRINGS);
let entryMatched = new Float64Array(64);
let positionUsed = new Uint8Array(64);

/**
 * `nameTokens[from..to)` are the name's token ids in its own order. `exactOnly` (weak
 * aliases): 1 when every token of both sides matches exactly, else 0. `middlesOmittable`:
 * a person's name written in words, where a middle name may be left out; not a company's
 * (its middle word is what tells it apart), nor one in Hanzi or Hangul syllables (a
 * syllable left out is another name: "Chen Guo" is not "Chen Quanguo").
 */
export function scoreName(
  nameTokens: Uint32Array,
  from: number,
  to: number,
  variant: ProbeVariant,
  lookup: ProbeLookup,
  vocabulary: TokenVocabulary,
  exactOnly: boolean,
  middlesOmittable: boolean,
): number {
  // The possible pairings, kept sorted by similarity (insertion: there are a handful).
  let count = 0;
  for (let k = from; k < to && count < MAX_PAIRINGS; k++) {
    const at = lookup.get(nameTokens[k]!);
    if (at === undefined) continue;
    for (const p of at) {
      if (count === MAX_PAIRINGS) break;
      let i = count++;
      while (i > 0 && pairSimilarity[i - 1]! < p.similarity) {
        pairEntry[i] = pairEntry[i - 1]!;
        pairPosition[i] = pairPosition[i - 1]!;
        pairSimilarity[i] = pairSimilarity[i - 1]!;
        i -= 1;
      }
      pairEntry[i] = k - from;
      pairPosition[i] = p.position;
      pairSimilarity[i] = p.similarity;
    }
  }
  if (count === 0) return 0;
  const length = to - from;
  if (entryMatched.length < length) entryMatched = new Float64Array(length * 2);
  if (positionUsed.length < variant.length) positionUsed = new Uint8Array(variant.length * 2);
  entryMatched.fill(-1, 0, length);
  positionUsed.fill(0, 0, variant.length);
  let matchedCount = 0;
  let allExact = true;
  for (let i = 0; i < count; i++) {
    const entry = pairEntry[i]!;
    const position = pairPosition[i]!;
    if (entryMatched[entry]! >= 0 || positionUsed[position]) continue;
    entryMatched[entry] = pairSimilarity[i]!;
    positionUsed[position] = 1;
    matchedCount += 1;
    if (pairSimilarity[i]! < 1) allExact = false;
  }
  let probeFullyUsed = true;
  for (let position = 0; position < variant.length; position++) if (!positionUsed[position] && variant[position]!.weight > 0) probeFullyUsed = false;
  if (exactOnly) return probeFullyUsed && matchedCount === length && allExact ? 1 : 0;
  let matched = 0;
  let whole = 0;
  for (let k = 0; k < length; k++) {
    const weight = vocabulary.weight(nameTokens[from + k]!);
    const similarity = entryMatched[k]!;
    if (similarity >= 0) {
      matched += weight * similarity;
      whole += weight;
    } else {
      const middle = middlesOmittable && k > 0 && k < length - 1;
      whole += weight * (middle && probeFullyUsed && matchedCount >= 2 ? OMITTED_MIDDLE : 1);
    }
  }
  for (let position = 0; position < variant.length; position++) {
    if (!positionUsed[position]) whole += LEFT_OVER_PROBE * variant[position]!.weight;
  }
  return whole === 0 ? 0 : matched / whole;
}
