import { describe, expect, it } from 'vitest';
import { createRandom } from '../../bench/traffic/random.ts';
import { addToWindows, readWindows, type EntityWindows } from './entity-windows.ts';
import { addToRings, allocRings, createRingPool, readRings, type ExtraWindow } from './velocity-rings.ts';

const T0 = Date.UTC(2026, 11, 7, 6);
const MINUTE = 60_000;

describe('the windows of an entity, sparse then rings', () => {
  it.each([-1, 1, 3] as ExtraWindow[])('read exactly what rings read, message after message, through the move to rings (extra window %i)', (extraWindow) => {
    const random = createRandom(20261207 + extraWindow);
    for (let entity = 0; entity < 200; entity++) {
      const pool = createRingPool();
      const reference = allocRings(pool);
      let entry: EntityWindows | undefined;
      let t = T0 + Math.floor(random.next() * 86_400_000);
      const messages = 1 + Math.floor(random.next() * 14);
      for (let m = 0; m < messages; m++) {
        // Gaps from a second to two days; now and then another node's message a little late.
        t += Math.floor(random.next() < 0.5 ? random.next() * 10 * MINUTE : random.next() * 2 * 86_400_000);
        const at = random.next() < 0.15 ? t - Math.floor(random.next() * 60_000) : t;
        const add = { attempts: 1, ...(random.next() < 0.7 ? { cents: Math.floor(random.next() * 100_000) } : {}), ...(random.next() < 0.3 ? { extra: 1 } : {}) };
        const fromRings = addToRings(pool, reference, extraWindow, at, add);
        const added = addToWindows(pool, entry, extraWindow, at, add);
        entry = added.entry;
        expect({ new1h: added.new1h, new24h: added.new24h }, `entity ${entity} message ${m}`).toEqual(fromRings);
        for (const readAt of [at, t + 30_000, t + 70 * MINUTE, t + 25 * 3_600_000]) {
          expect(readWindows(pool, entry, extraWindow, readAt), `entity ${entity} message ${m} read at +${readAt - at} ms`).toEqual(readRings(pool, reference, extraWindow, readAt));
        }
      }
    }
  });

  it('keeps a quiet entity as a short list, and moves a busy one to rings', () => {
    const pool = createRingPool();
    let entry: EntityWindows | undefined;
    for (let m = 0; m < 6; m++) entry = addToWindows(pool, entry, -1, T0 + m * 1000, { attempts: 1 }).entry;
    expect(Array.isArray(entry)).toBe(true);
    entry = addToWindows(pool, entry, -1, T0 + 7000, { attempts: 1 }).entry;
    expect(typeof entry).toBe('number');
    expect(readWindows(pool, entry, -1, T0 + 8000).count['1m']).toBe(7);
  });
});
