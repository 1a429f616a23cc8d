/**
 * The fastify + one Redis round trip baseline at a fixed offered rate (open loop), with the
 * CPU per request of its server process and of its redis-server read from /proc: what the platform's CPU per payment
 * at the same rate (`npm run bench:soak -- --tps N`, /proc of the platform) is set against.
 * At low rates little is shared between requests (a write per command and per answer), so
 * both cost more per request than at saturation. `npm run bench:fixed-rate-baseline -- [tps] [seconds]`.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { startEchoServer } from './baselines/fastify-echo.ts';
import { startScratchRedis } from './baselines/redis-server.ts';

const tps = Number(process.argv[2] ?? 500);
const seconds = Number(process.argv[3] ?? 30);
if (!(tps > 0 && seconds > 0)) throw new Error('usage: bench/fixed-rate-baseline.ts [tps > 0] [seconds > 0]');

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat. */
const cpuSeconds = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

const redis = await startScratchRedis();
const server = await startEchoServer(`redis://127.0.0.1:${redis.port}`);
const agent = new Agent({ connections: 64 });
let sent = 0;
let answered = 0;
let failed = 0;
const send = () => {
  sent++;
  const body = JSON.stringify({ txnId: `fixed-${sent}`, amount: { value: '45.00', currency: 'CNY' }, payer: { walletId: 'w-1', deviceId: 'd-1' } });
  void request(`${server.url}/echo-redis`, { method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json' }, body }).then(async (r) => {
    await r.body.dump();
    if (r.statusCode === 200) answered++;
    else failed++;
  });
};
/** Sends at `tps` for `s` seconds, on schedule, never more than one late millisecond's worth at once. */
const offer = async (s: number) => {
  const start = performance.now();
  let due = 0;
  while (performance.now() - start < s * 1000) {
    const should = Math.floor(((performance.now() - start) / 1000) * tps);
    for (; due < should; due++) send();
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
};
try {
  await offer(5);
  const before = { cpu: cpuSeconds(server.pid!), redisCpu: cpuSeconds(redis.pid!), answered };
  await offer(seconds);
  const n = answered - before.answered;
  const ms = ((cpuSeconds(server.pid!) - before.cpu) * 1000) / n;
  const redisMs = ((cpuSeconds(redis.pid!) - before.redisCpu) * 1000) / n;
  if (failed > 0) throw new Error(`${failed} requests were not answered 200: the baseline is not measuring what it says`);
  console.log(`fastify + one Redis round trip, ${tps}/s offered for ${seconds} s: ${n} answered 200, server ${ms.toFixed(3)} ms and its redis-server ${redisMs.toFixed(3)} ms of CPU per request`);
} finally {
  await agent.close();
  await server.stop();
  await redis.stop();
}
