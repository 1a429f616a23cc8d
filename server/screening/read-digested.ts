import { createHash } from 'node:crypto';
import { readList, type ListError, type ListLimits, type ScreeningList } from '../../screening/read-list.ts';
import type { Result } from '../../domain/result.ts';

/** A list read as it streams in, with the SHA-256 and length of the bytes read: what the audit and the records name. */
export interface DigestedList {
  list: Result<ScreeningList, ListError>;
  sha256: string;
  bytes: number;
}

/**
 * Reads a list from a stream of chunks (a request body, a file), hashing what it reads. The
 * reader stops early on junk or past its bounds and returns the stream's iterator, which ends
 * the request or file: the rest is never read.
 */
export async function readListDigested(chunks: AsyncIterable<Uint8Array | string>, limits: Partial<ListLimits>): Promise<DigestedList> {
  const hash = createHash('sha256');
  let bytes = 0;
  async function* hashed() {
    for await (const chunk of chunks) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      hash.update(buffer);
      bytes += buffer.length;
      yield buffer;
    }
  }
  const list = await readList(hashed(), limits);
  return { list, sha256: hash.digest('hex'), bytes };
}
