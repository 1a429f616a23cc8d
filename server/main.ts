import { existsSync } from 'node:fs';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { ConfigError, loadConfig } from './config/load.ts';
import type { PreparedDemo } from './demo.ts';
import { checkProductionConfig } from './config/production.ts';
import { startPlatform, type Platform } from './platform.ts';
import { RedisNotInstalledError } from './redis-process.ts';

/** `npm start` / `npm run demo`: the whole platform in one process, stopped cleanly on SIGTERM/SIGINT. */
const SHUTDOWN_BUDGET_MS = 15_000;

async function main(): Promise<void> {
  const demo = process.argv.includes('--demo');
  let config;
  let demoRun: PreparedDemo | undefined;
  try {
    config = loadConfig(process.env, process.cwd(), process.argv.slice(2));
    if (demo) {
      // The demo runs the config plus the merchants its fraud scenarios need (server/demo.ts).
      demoRun = (await import('./demo.ts')).prepareDemo(config, process.argv.slice(2));
      config = loadConfig({ ...process.env, CONFIG: demoRun.configPath }, process.cwd(), process.argv.slice(2));
    }
    if (config.file.mode === 'production') await checkProductionConfig(config);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`config error: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  // After a full collection V8 lets the old generation grow to a multiple of what survived (up
  // to about 4x) before the next one; under load that growth is garbage, payments promoted
  // while in flight. At 2x (the default) the platform stayed ~230 MiB smaller at 2,000/s; the
  // price, more full collections, showed as ~8 % fewer answers past capacity in 2-minute soaks
  // and not at all in the closed-loop bench (BENCHMARKS.md). V8 reads it at every full collection.
  if (config.heapGrowingPercent > 0) setFlagsFromString(`--heap-growing-percent=${config.heapGrowingPercent}`);
  if (demo && config.role !== 'all' && config.role !== 'switch') {
    process.stderr.write(`config error: --demo sends payments to this process; run it with --role all or switch, not ${config.role}\n`);
    process.exit(2);
  }
  if (config.file.mode === 'development') {
    process.stderr.write(
      `WARNING: ${path.relative(process.cwd(), config.configPath)} is the DEVELOPMENT config: its secrets and passwords are public. Never use it with real money.\n`,
    );
  }
  // History goes into ClickHouse before the platform opens it, so its warm-up replays it.
  await demoRun?.seedHistory(config);
  let platform: Platform;
  try {
    platform = await startPlatform(config);
  } catch (e) {
    if (e instanceof RedisNotInstalledError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    // An external Redis that does not keep what redis.durability promises (server/redis-durability.ts).
    if (e instanceof ConfigError) {
      process.stderr.write(`config error: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const address = await platform.app.listen({ host: config.host, port: config.port });
  const stops: Array<() => Promise<void>> = [];
  process.stdout.write(`CPG monitoring platform listening on ${address}\n`);
  process.stdout.write(`  API docs:      ${address}/docs\n  health:        ${address}/health\n`);
  process.stdout.write(`  role:          ${config.role}\n`);
  if (platform.clickhouseMode) {
    process.stdout.write(`  ClickHouse:    ${platform.clickhouseMode}${config.clickhouseUrl ? '' : ` (${path.join(config.dataDir, 'clickhouse')})`}\n`);
  }
  process.stdout.write(`  Redis:         ${config.redisUrl ? 'external' : `own redis-server (${path.join(config.dataDir, 'redis')})`}\n`);
  const credentials = path.resolve('config/dev-credentials.json');
  if (config.file.mode === 'development' && existsSync(credentials)) {
    process.stdout.write(`  dev credentials: ${path.relative(process.cwd(), credentials)}\n`);
  }
  if (demoRun) stops.push(await demoRun.start(address, platform, config));

  // A stray rejection in a background component (a feed, a queue) must not stop payments.
  process.on('unhandledRejection', (reason) => {
    platform.app.log.error({ err: reason instanceof Error ? reason.message : String(reason) }, 'unhandled rejection');
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: stopping\n`);
    const force = setTimeout(() => {
      process.stderr.write(`shutdown took longer than ${SHUTDOWN_BUDGET_MS} ms; exiting\n`);
      process.exit(1);
    }, SHUTDOWN_BUDGET_MS);
    force.unref();
    for (const stop of stops) await stop().catch(() => undefined);
    await platform.close();
    clearTimeout(force);
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((e: unknown) => {
  process.stderr.write(`fatal: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
