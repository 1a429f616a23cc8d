import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../../rules/test-support/redis.ts';
import type { ListEntity } from '../../screening/list-entity.ts';
import { packEntities, unpackEntities } from '../../screening/packed-entities.ts';
import { createListStore, type ListUpload } from './list-store.ts';

const entity = (i: number, name: string): ListEntity => ({
  id: `e-${i}`,
  schema: 'Person',
  kind: i % 2 === 0 ? 'sanction' : 'pep',
  topics: ['sanction'],
  names: [name],
  weakAliases: [],
  birthYears: [1950 + (i % 50)],
  countries: ['kp'],
});
const upload = (name: string, version: number, entities: number): ListUpload => ({
  name, version, entities, names: entities, sha256: 'x', bytes: 1, uploadedBy: 'test', uploadedAt: 1,
});

describe('the screening list store', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis();
  }, 30_000);
  afterAll(async () => {
    await redis?.stop();
  });

  it('gives back every entity of a large version as stored, names with line breaks and any script included', async () => {
    const connection = redis.connect();
    const store = createListStore(connection);
    // Past several slices and several gunzip chunks; names that would break naive line splitting.
    const entities = Array.from({ length: 25_000 }, (_, i) => entity(i, i % 1000 === 0 ? `Line\nbreak ${i} \u2028 "quoted" 김정은` : `Name ${i} 金正恩`));
    await store.store(upload('big', 1, entities.length), await packEntities(entities));
    expect(await store.entities('big', 1)).toEqual(entities);
    expect(await unpackEntities((await store.packed('big', 1))!)).toEqual(entities);
    await store.close();
    connection.disconnect();
  });

  it('reads a version stored as one JSON array (the first format)', async () => {
    const connection = redis.connect();
    const store = createListStore(connection);
    const entities = [entity(1, 'Kim Jong Un'), entity(2, 'Vladimir Putin')];
    await connection.hset('screening:list:old:v:1', 'upload', JSON.stringify(upload('old', 1, 2)), 'entities', gzipSync(Buffer.from(JSON.stringify(entities))));
    expect(await store.entities('old', 1)).toEqual(entities);
    expect(await store.entities('old', 2)).toBeUndefined();
    await store.close();
    connection.disconnect();
  });
});
