/**
 * The screening thread: holds the live screening lists' indexes and entities, off the main
 * thread's heap, and matches the names the main thread asks about. A name is matched as soon
 * as its message arrives, between the slices of any index being built (a new version is
 * built here while the one live goes on answering).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createLiveScreening } from './live-screening.ts';
import { unpackEntities } from './packed-entities.ts';
import type { FromScreeningThread, ScreeningThreadSettings, ToScreeningThread } from './screening-thread-messages.ts';
import { buildMatchIndex } from './match-index.ts';

import type { MessagePort } from 'node:worker_threads';

const settings = workerData as ScreeningThreadSettings;
const live = createLiveScreening({ threshold: settings.threshold });
let port: MessagePort | undefined;
const post = (message: FromScreeningThread) => port!.postMessage(message);
/** Installs one after the other, in the order asked. */
let installing: Promise<unknown> = Promise.resolve();

const install = async (id: number, name: string, version: number, packed: Uint8Array) => {
  const known = live.versions().find((v) => v.name === name);
  if (known && known.version >= version) return post({ kind: 'installed', id, version: known });
  const entities = await unpackEntities(packed);
  const index = await buildMatchIndex(entities, { threshold: settings.threshold }, settings.buildSliceMs);
  post({ kind: 'installed', id, version: live.install(name, version, entities, index) });
};

// The main thread's channel comes first (it reads answers from it even while it is busy).
parentPort!.once('message', ({ port: channel }: { port: MessagePort }) => {
  port = channel;
  port.on('message', onMessage);
});

function onMessage(message: ToScreeningThread): void {
  if (message.kind === 'check') {
    let answer: FromScreeningThread;
    try {
      answer = { kind: 'checked', id: message.id, hits: live.check(message.name, message.probe) };
    } catch (e) {
      answer = { kind: 'failed', id: message.id, message: e instanceof Error ? e.message : String(e) };
    }
    post(answer);
    return;
  }
  if (message.kind === 'exit') {
    if (settings.stallable) process.exit(3);
    return;
  }
  if (message.kind === 'stall') {
    if (!settings.stallable) return;
    const until = performance.now() + message.ms;
    while (performance.now() < until);
    return;
  }
  const { id, name, version, packed } = message;
  installing = installing.then(() =>
    install(id, name, version, packed).catch((e: unknown) => post({ kind: 'failed', id, message: e instanceof Error ? e.message : String(e) })),
  );
}
