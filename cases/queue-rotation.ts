import type { Redis } from 'ioredis';
import type { CaseQueue } from './case.ts';

/**
 * Round-robin assignment of a queue (`cases.assignment` in the config): each case entering a
 * queue goes to the next officer of its rotation, counted in Redis so every node takes turns
 * from the same place. `exclude` skips one officer (an STR's drafter is not its approver).
 */
export type Rotations = Partial<Record<CaseQueue, string[]>>;

export function createRotation(redis: Redis, rotations: Rotations) {
  return {
    async next(queue: CaseQueue, exclude?: string): Promise<string | undefined> {
      const officers = (rotations[queue] ?? []).filter((o) => o !== exclude);
      if (officers.length === 0) return undefined;
      const turn = await redis.incr(`cases:rotation:${queue}`);
      return officers[(turn - 1) % officers.length];
    },
  };
}

export type Rotation = ReturnType<typeof createRotation>;
