import type { FastifyBaseLogger } from 'fastify';

/** What the capabilities log through. */
export interface PlatformLog {
  info(o: object, m: string): void;
  warn(o: object, m: string): void;
  error(o: object, m: string): void;
}

/**
 * The app's logger once the app exists (`follow`). Before that, warnings and errors go to
 * stderr at once (a Redis that does not answer must show while the platform waits for it),
 * and information waits for the app's logger, its level and its format.
 */
export function createPlatformLog(): PlatformLog & { follow(logger: FastifyBaseLogger): void } {
  let appLog: FastifyBaseLogger | undefined;
  const held: Array<[object, string]> = [];
  const early = (level: 'warn' | 'error') => (o: object, m: string) =>
    appLog ? appLog[level](o, m) : void process.stderr.write(`${level}: ${m} ${JSON.stringify(o)}\n`);
  return {
    info: (o, m) => (appLog ? appLog.info(o, m) : void held.push([o, m])),
    warn: early('warn'),
    error: early('error'),
    follow(logger) {
      appLog = logger;
      for (const [o, m] of held.splice(0)) logger.info(o, m);
    },
  };
}
