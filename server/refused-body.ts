import type { Socket } from 'node:net';

/** How long the connection of a refused body is held, unread, before it is closed. */
const LINGER_MS = 1000;

/**
 * The rest of a refused body is never read. Its connection is closed a moment after the
 * answer, not at once: a client still sending would otherwise have the connection reset
 * under it before it read the answer.
 */
export function closeAfterLinger(socket: Socket | undefined): void {
  // An injected request (tests) has no real socket.
  if (typeof socket?.destroy !== 'function') return;
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}
