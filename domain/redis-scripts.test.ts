import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../rules/test-support/redis.ts';
import { defineScripts, scriptCommand, scriptFileName } from './redis-scripts.ts';

interface Counters {
  addTo(key: string, by: string): Promise<number>;
  swapTwo(first: string, second: string): Promise<string[]>;
}

/** A folder of scripts written for the test, as a URL ending in `/`. */
function scriptFolder(files: Record<string, string>): URL {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cpg-scripts-'));
  for (const [name, lua] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), lua);
  }
  folders.push(dir);
  return pathToFileURL(`${dir}/`);
}
const folders: string[] = [];

describe('defineScripts', () => {
  let server: TestRedis;
  beforeAll(async () => {
    server = await startTestRedis();
  });
  afterAll(async () => {
    await server?.stop();
    for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  });

  const counters = () =>
    scriptFolder({
      'addTo-1.lua': "--@include add\nreturn add(KEYS[1], ARGV[1])\n",
      'swapTwo-2.lua': "local a = redis.call('GET', KEYS[1])\nlocal b = redis.call('GET', KEYS[2])\nreturn {b, a}\n",
      'includes/add.lua': "local function add(key, by) return redis.call('INCRBY', key, by) end\n",
      'README.md': 'not a script',
    });

  it('reads the command name and the key count from the file name', () => {
    expect(scriptFileName('commitPayment-5.lua')).toEqual({ name: 'commitPayment', numberOfKeys: 5 });
    expect(scriptFileName('spendAndClaim-3.lua')).toEqual({ name: 'spendAndClaim', numberOfKeys: 3 });
    expect(scriptFileName('commitPayment.lua')).toBeUndefined();
  });

  it('defines every script of the folder with its includes, keys first', async () => {
    const redis = defineScripts<Counters>(server.connect(), counters());
    expect(await redis.addTo('n', '2')).toBe(2);
    expect(await redis.addTo('n', '3')).toBe(5);
    await redis.set('a', 'x');
    await redis.set('b', 'y');
    expect(await redis.swapTwo('a', 'b')).toEqual(['y', 'x']);
  });

  it('defines them once per connection, and pipelines made from it can call them', async () => {
    const folder = counters();
    const redis = defineScripts<Counters>(server.connect(), folder);
    const defined = redis.addTo;
    expect(defineScripts<Counters>(redis, folder).addTo).toBe(defined);
    const pipeline = redis.pipeline();
    scriptCommand<Counters>(pipeline, 'addTo')('p', '4');
    scriptCommand<Counters>(pipeline, 'addTo')('p', '1');
    expect(await pipeline.exec()).toEqual([
      [null, 4],
      [null, 5],
    ]);
  });

  it('refuses a script file without its key count, and a script that would hide a Redis command', () => {
    expect(() => defineScripts(server.connect(), scriptFolder({ 'addTo.lua': 'return 1' }))).toThrow(/not named name-N\.lua/);
    expect(() => defineScripts(server.connect(), scriptFolder({ 'get-1.lua': 'return 1' }))).toThrow('script get would hide the Redis command of that name');
  });

  it('says which script is missing on a connection it was not defined on', () => {
    expect(() => scriptCommand<Counters>(server.connect().pipeline(), 'addTo')).toThrow('script addTo is not defined on this connection');
  });
});
