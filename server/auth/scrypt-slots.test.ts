import { describe, expect, it } from 'vitest';
import { createScryptSlots } from './scrypt-slots.ts';

/** Work that finishes when the test says so. */
function gate() {
  let open!: () => void;
  const done = new Promise<void>((resolve) => (open = resolve));
  return { open, done };
}

describe('scrypt slots', () => {
  it('runs at most `concurrent` jobs, queues `waiting` more in order, and refuses the rest at once', async () => {
    const slots = createScryptSlots({ concurrent: 2, waiting: 2 });
    const gates = Array.from({ length: 5 }, gate);
    const started: number[] = [];
    const runs = gates.map((g, i) =>
      slots.run(async () => {
        started.push(i);
        await g.done;
        return i;
      }),
    );
    expect(await runs[4]).toEqual({ ran: false });
    expect([slots.running, slots.waiting, started]).toEqual([2, 2, [0, 1]]);
    gates[1]!.open();
    expect(await runs[1]).toEqual({ ran: true, value: 1 });
    // The freed slot went to the first in line, not to a newcomer.
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    // One place in the queue came free: the next caller takes it, the one after is refused.
    const late = slots.run(async () => 'late');
    expect(await slots.run(async () => 'refused')).toEqual({ ran: false });
    for (const g of gates) g.open();
    expect(await Promise.all(runs.slice(0, 4))).toEqual([0, 1, 2, 3].map((value) => ({ ran: true, value })));
    expect(await late).toEqual({ ran: true, value: 'late' });
    expect([slots.running, slots.waiting]).toEqual([0, 0]);
  });

  it('frees the slot of a job that throws', async () => {
    const slots = createScryptSlots({ concurrent: 1, waiting: 0 });
    await expect(slots.run(async () => Promise.reject(new Error('scrypt failed')))).rejects.toThrow('scrypt failed');
    expect(await slots.run(async () => 'next')).toEqual({ ran: true, value: 'next' });
  });
});
