import Fastify from 'fastify';

/**
 * The plain-fastify baseline, run as its own process like the platform: one route that
 * parses a JSON body and answers a small JSON. Whatever the platform costs beyond this
 * is the platform's own work.
 */
const app = Fastify({ logger: false });

app.post('/echo', async (request) => {
  const body = request.body as { txnId?: unknown } | null;
  return { received: true, txnId: typeof body?.txnId === 'string' ? body.txnId : null };
});

const address = await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
process.stdout.write(`listening ${address}\n`);

const stop = () => {
  void app.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
