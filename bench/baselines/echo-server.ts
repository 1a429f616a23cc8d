import Fastify from 'fastify';
import { Redis } from 'ioredis';

/**
 * The plain-fastify baselines, run as their own process like the platform: POST /echo
 * parses a JSON body and answers a small JSON; POST /echo-redis does the same plus one
 * Redis round trip (when REDIS_URL is set). Whatever the platform costs beyond these is
 * the platform's own work.
 */
const app = Fastify({ logger: false });
const redis = process.env.REDIS_URL ? new Redis(process.env.REDIS_URL, { enableAutoPipelining: true }) : undefined;

app.post('/echo', async (request) => {
  const body = request.body as { txnId?: unknown } | null;
  return { received: true, txnId: typeof body?.txnId === 'string' ? body.txnId : null };
});

app.post('/echo-redis', async (request) => {
  const body = request.body as { txnId?: unknown } | null;
  const txnId = typeof body?.txnId === 'string' ? body.txnId : null;
  await redis!.set(`echo:${txnId}`, '1', 'PX', 60_000);
  return { received: true, txnId };
});

const address = await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
process.stdout.write(`listening ${address}\n`);

const stop = () => {
  void app.close().then(() => {
    redis?.disconnect();
    process.exit(0);
  });
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
