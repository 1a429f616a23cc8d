import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { ExportedRiskState } from './risk-state.ts';

/**
 * A node's velocity state on disk, so a restart replays only what came after it instead of
 * 31 days of history. `takenAt` is the wall clock when it was taken; `recent` the ids of the
 * messages received within RECENT_MS before it, which it already holds: the rebuild replays
 * history from `takenAt - RECENT_MS` and skips those, so a message is counted once whether
 * the snapshot or the history has it. (A message received before that margin and first
 * applied after the snapshot, i.e. more than RECENT_MS late, would be missed: deltas arrive
 * within tens of milliseconds.)
 */

export const RECENT_MS = 10_000;

export interface StateSnapshot {
  takenAt: number;
  recent: string[];
  state: ExportedRiskState;
}

/** Written to a temporary file and renamed: a crash mid-write leaves the previous snapshot. */
export async function writeSnapshot(file: string, snapshot: StateSnapshot): Promise<number> {
  const bytes = serialize(snapshot);
  await mkdir(path.dirname(file), { recursive: true });
  const partial = `${file}.partial`;
  await writeFile(partial, bytes);
  await rename(partial, file);
  return bytes.length;
}

/** The snapshot at `file`, or undefined when there is none or it cannot be read (the rebuild then replays history). */
export async function readSnapshot(file: string): Promise<StateSnapshot | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch {
    return undefined;
  }
  try {
    const snapshot = deserialize(bytes) as StateSnapshot;
    if (snapshot?.state?.version !== 1 || typeof snapshot.takenAt !== 'number' || !Array.isArray(snapshot.recent)) return undefined;
    return snapshot;
  } catch {
    return undefined;
  }
}
