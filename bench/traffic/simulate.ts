import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { BootstrapError } from './bootstrap.ts';
import { CredentialsError } from './participants.ts';
import { NothingToPayError } from './payment-generator.ts';
import { DEFAULT_CONCURRENCY, DEFAULT_URL, runSimulation, type SimulationOptions } from './simulation.ts';

// server/demo.ts imports the simulator from here; the command line runs only when this is the entry point.
export { runSimulation, type SimulationOptions, type SimulationSummary } from './simulation.ts';

/**
 * npm run simulate -- --tps N --duration S [--url U] [--credentials PATH] [--seed K]
 *   [--concurrency C] [--min-success F] [--diurnal] [--day-seconds D] [--payers N]
 */
const USAGE =
  'usage: npm run simulate -- --tps N --duration S [--url U] [--credentials PATH] [--config PATH] [--seed K] ' +
  `[--concurrency C (default ${DEFAULT_CONCURRENCY})] [--min-success F] [--diurnal] [--day-seconds D] [--payers N]`;

function parseCommandLine(argv: string[]): SimulationOptions & { minSuccess?: number } {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      tps: { type: 'string' },
      duration: { type: 'string' },
      url: { type: 'string', default: DEFAULT_URL },
      credentials: { type: 'string' },
      config: { type: 'string' },
      seed: { type: 'string', default: '1' },
      concurrency: { type: 'string', default: String(DEFAULT_CONCURRENCY) },
      'min-success': { type: 'string' },
      diurnal: { type: 'boolean', default: false },
      'day-seconds': { type: 'string' },
      payers: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || values.tps === undefined || values.duration === undefined) throw new UsageError(USAGE);
  const minSuccess = values['min-success'] === undefined ? undefined : number('--min-success', values['min-success']);
  if (minSuccess !== undefined && (minSuccess < 0 || minSuccess > 1)) {
    throw new UsageError('--min-success is a share between 0 and 1, e.g. 0.99');
  }
  return {
    tps: number('--tps', values.tps),
    durationS: number('--duration', values.duration),
    url: values.url,
    credentialsPath: values.credentials,
    configPath: values.config,
    seed: number('--seed', values.seed),
    concurrency: number('--concurrency', values.concurrency),
    diurnal: values.diurnal,
    diurnalDayS: values['day-seconds'] === undefined ? undefined : number('--day-seconds', values['day-seconds']),
    payersPerWallet: values.payers === undefined ? undefined : number('--payers', values.payers),
    minSuccess,
  };
}

class UsageError extends Error {}

function number(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new UsageError(`${flag}: "${text}" is not a number`);
  return value;
}

async function main(): Promise<number> {
  let options: ReturnType<typeof parseCommandLine>;
  try {
    options = parseCommandLine(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  const stop = new AbortController();
  process.once('SIGINT', () => {
    console.error('\nSIGINT: stopping, waiting for the requests in flight (again to quit at once)');
    stop.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  try {
    const summary = await runSimulation({ ...options, signal: stop.signal });
    if (options.minSuccess !== undefined && summary.successShare < options.minSuccess) {
      console.error(
        `2xx share ${(100 * summary.successShare).toFixed(2)}% is below --min-success ${(100 * options.minSuccess).toFixed(2)}%`,
      );
      return 1;
    }
    return 0;
  } catch (e) {
    const expected = [BootstrapError, CredentialsError, NothingToPayError, RangeError];
    if (expected.some((kind) => e instanceof kind)) {
      // Known reasons not to run read best as one line; anything else keeps its stack.
      console.error(`simulate: ${(e as Error).message}`);
      return 1;
    }
    throw e;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main();
}
