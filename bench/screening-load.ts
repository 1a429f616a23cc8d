import type { ListEntity } from '../screening/list-entity.ts';
import { readList } from '../screening/read-list.ts';
import { syntheticNdjson } from '../screening/synthetic-list.ts';

/**
 * The synthetic screening list and the names screened against it, shared by
 * `npm run bench:screening` and the risk suite's screening measurement.
 */

/** The synthetic list of `names` names (entries plus aliases), read as an upload would be. */
export async function syntheticList(names: number): Promise<{ entities: ListEntity[]; names: number }> {
  async function* chunks() {
    let buffer = '';
    for (const line of syntheticNdjson(names)) {
      buffer += line;
      if (buffer.length > 1 << 16) {
        yield buffer;
        buffer = '';
      }
    }
    if (buffer !== '') yield buffer;
  }
  const list = await readList(chunks());
  if (!list.ok) throw new Error(list.error.message);
  return list.value;
}

/**
 * About 4,000 names to screen: half are list names (about 2,000 spread over the list, a
 * third of them with a typo), half misses of the same shapes (the name's first token with a
 * made-up surname). With `people`, names of Person entities only: what a consumer wallet's
 * holder (the payer) is called.
 */
export function screeningProbes(entities: readonly ListEntity[], options: { people?: boolean } = {}): string[] {
  const step = Math.max(1, Math.floor(entities.length / 2000));
  const hits = entities.filter((e, i) => i % step === 0 && (!options.people || e.schema === 'Person')).map((e) => e.names[e.names.length - 1]!);
  const misses = hits.map((name, i) => `${name.split(' ')[0]} Qx${(i * 7919).toString(36)}vor`);
  return hits.flatMap((hit, i) => [i % 3 === 0 ? hit.replace(/[aeiou]/, 'y') : hit, misses[i]!]);
}
