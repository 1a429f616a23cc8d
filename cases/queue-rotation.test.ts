import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../rules/test-support/redis.ts';
import { createRotation } from './queue-rotation.ts';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis.stop();
});

it('takes turns across nodes, skips the one excluded, and leaves a queue without rotation to hands', async () => {
  const rotations = { risk: ['ann', 'bob', 'cai'], compliance: ['dee', 'eve'] };
  const one = createRotation(redis.connect(), rotations);
  const two = createRotation(redis.connect(), rotations);
  const turns = [];
  for (let i = 0; i < 6; i++) turns.push(await (i % 2 ? two : one).next('risk'));
  expect(turns).toEqual(['ann', 'bob', 'cai', 'ann', 'bob', 'cai']);
  // An STR's drafter never approves it: the rotation goes to the other officer whatever the turn.
  expect([await one.next('compliance', 'dee'), await two.next('compliance', 'dee'), await one.next('compliance', 'eve')]).toEqual(['eve', 'eve', 'dee']);
  expect(await one.next('escalations')).toBeUndefined();
  expect(await one.next('compliance', 'x')).toBeDefined();
  expect(await createRotation(redis.connect(), { compliance: ['dee'] }).next('compliance', 'dee')).toBeUndefined();
});
