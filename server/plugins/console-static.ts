import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The operator console and the browser libraries it uses, served from this host (no CDN). */
export default async function consoleStatic(app: FastifyInstance) {
  await app.register(fastifyStatic, {
    root: path.join(root, 'dashboards', 'console'),
    prefix: '/console/',
    index: ['index.html'],
  });
  await app.register(fastifyStatic, {
    root: path.join(root, 'node_modules', 'uplot', 'dist'),
    prefix: '/vendor/uplot/',
    decorateReply: false,
  });
  await app.register(fastifyStatic, {
    root: path.join(root, 'node_modules', 'cytoscape', 'dist'),
    prefix: '/vendor/cytoscape/',
    decorateReply: false,
  });
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/console/'));
}
