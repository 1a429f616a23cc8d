import { Readable } from 'node:stream';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { createGunzip, createGzip } from 'node:zlib';
import type { ListEntity } from './list-entity.ts';

/** Entities written between two turns of the event loop. */
const ENTITIES_PER_SLICE = 2000;

/**
 * A list version's entities as gzipped JSON lines, as Redis holds them and as the screening
 * thread receives them: written a slice at a time through a stream (a list of a million
 * names is 100 MB of JSON, which one JSON.stringify would hold the process for most of a
 * second).
 */
export async function packEntities(entities: readonly ListEntity[]): Promise<Buffer> {
  async function* lines() {
    for (let start = 0; start < entities.length; start += ENTITIES_PER_SLICE) {
      yield `${entities.slice(start, start + ENTITIES_PER_SLICE).map((e) => JSON.stringify(e)).join('\n')}\n`;
      await yieldToEventLoop();
    }
  }
  const parts: Buffer[] = [];
  for await (const part of Readable.from(lines()).pipe(createGzip())) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** The entities back, a chunk of lines at a time (a version stored as one JSON array is read whole). */
export async function unpackEntities(packed: Uint8Array): Promise<ListEntity[]> {
  const entities: ListEntity[] = [];
  let rest = '';
  let wholeArray: boolean | undefined;
  for await (const chunk of Readable.from([packed]).pipe(createGunzip()).setEncoding('utf8')) {
    rest += chunk as string;
    wholeArray ??= rest.startsWith('[');
    if (wholeArray) continue;
    const lines = rest.split('\n');
    rest = lines.pop()!;
    for (const line of lines) if (line !== '') entities.push(JSON.parse(line) as ListEntity);
  }
  if (wholeArray) return JSON.parse(rest) as ListEntity[];
  if (rest !== '') entities.push(JSON.parse(rest) as ListEntity);
  return entities;
}
