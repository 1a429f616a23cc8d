import type { Redis } from 'ioredis';

/**
 * Logs a connection's errors once per outage: the first error after it was ready, then
 * nothing until it is ready again (when that is logged too). Without a listener ioredis
 * prints "Unhandled error event" for every reconnection attempt.
 */
export function logConnectionErrors(connection: Redis, name: string, log: { warn(o: object, m: string): void }): Redis {
  let failing = false;
  connection.on('error', (e: Error) => {
    if (failing) return;
    failing = true;
    log.warn({ connection: name, err: e.message }, 'redis connection failing; reconnecting');
  });
  connection.on('ready', () => {
    if (!failing) return;
    failing = false;
    log.warn({ connection: name }, 'redis connection back');
  });
  return connection;
}
