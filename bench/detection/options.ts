import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPOSITORY_ROOT } from '../platform-process.ts';
import { DEFAULT_CONFIG_PATH, DEFAULT_CREDENTIALS_PATH } from '../traffic/participants.ts';
import { isTypology, TYPOLOGIES, type Typology } from '../traffic/scenarios/scenario.ts';
import { DEFAULT_PACK_PATH } from './rule-pack.ts';

/** The command line of npm run bench:detection. */
export interface DetectionOptions {
  tps: number;
  durationS: number;
  fraudRate: number;
  weights: Partial<Record<Typology, number>>;
  seed: number;
  warmupMinS: number;
  warmupMaxS: number;
  warmupTps: number;
  /** Payers per wallet participant of ordinary traffic; undefined: enough for ~0.25 payments per payer per minute. */
  payersPerWallet: number | undefined;
  refundRate: number;
  /** Small spenders whose short history ends in a big-ticket purchase: legitimate, played like scenarios. */
  smallSpenders: number;
  concurrency: number;
  /** Replaces the config's risk.deadlineMs for the run; undefined keeps it. */
  riskDeadlineMs: number | undefined;
  resultsDir: string;
  packPath: string;
  configPath: string;
  credentialsPath: string;
  scoreOnly: boolean;
  echo: boolean;
}

export const USAGE = `usage: npm run bench:detection -- [options]
  --tps N            ordinary payments per second while measuring (default 150)
  --duration S       seconds during which scenario instances start (default 180); the run
                     goes on until the last one has finished
  --fraud-rate F     share of the measured requests that belong to scenarios (default 0.05)
  --weights LIST     relative share per typology, e.g. velocity=2,probing=1,sanctions=0 (default 1 each)
                     typologies: ${TYPOLOGIES.join(', ')}
  --seed K           seeds the schedule, the scenarios and ordinary traffic (default 1)
  --warmup S         warm-up of ordinary traffic, at least (default 30) ...
  --warmup-max S     ... and at most (default 240) seconds: until every merchant is established
  --warmup-tps N     ordinary payments per second during the warm-up (default 400)
  --payers N         payers per wallet participant (default: enough for ~1 payment per payer per 4 minutes)
  --refund-rate F    share of approved ordinary payments refunded by the acquirer (default 0.01)
  --small-spenders N legitimate payers who make 3-4 everyday payments, then a big-ticket purchase
                     of USD 300-2,500, during the measured window (default 100)
  --concurrency C    ordinary requests in flight at most (default 128)
  --risk-deadline-ms N  run with this risk deadline instead of the config's: on a machine too loaded
                     to meet it, shows the rules alone rather than the fallback (default: the config's)
  --results DIR      where the truth, the answers and detection.json go (default bench/results)
  --pack PATH        the rule pack to read rule typologies and limits from (default rules/default-pack.json)
  --config PATH      the base config (default config/development.json)
  --credentials PATH development credentials (default config/dev-credentials.json)
  --score-only       score the truth and answers already in --results, without running anything
  --echo             copy the platform's output to stderr`;

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseDetectionOptions(argv: string[]): DetectionOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      tps: { type: 'string', default: '150' },
      duration: { type: 'string', default: '180' },
      'fraud-rate': { type: 'string', default: '0.05' },
      weights: { type: 'string', default: '' },
      seed: { type: 'string', default: '1' },
      warmup: { type: 'string', default: '30' },
      'warmup-max': { type: 'string', default: '240' },
      'warmup-tps': { type: 'string', default: '400' },
      payers: { type: 'string' },
      'refund-rate': { type: 'string', default: '0.01' },
      'small-spenders': { type: 'string', default: '100' },
      concurrency: { type: 'string', default: '128' },
      'risk-deadline-ms': { type: 'string' },
      results: { type: 'string', default: path.join(REPOSITORY_ROOT, 'bench/results') },
      pack: { type: 'string', default: DEFAULT_PACK_PATH },
      config: { type: 'string', default: DEFAULT_CONFIG_PATH },
      credentials: { type: 'string', default: DEFAULT_CREDENTIALS_PATH },
      'score-only': { type: 'boolean', default: false },
      echo: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) throw new UsageError(USAGE);
  const options: DetectionOptions = {
    tps: number('--tps', values.tps, { min: 0, exclusive: true }),
    durationS: number('--duration', values.duration, { min: 0, exclusive: true }),
    fraudRate: number('--fraud-rate', values['fraud-rate'], { min: 0, max: 0.99 }),
    weights: parseWeights(values.weights),
    seed: number('--seed', values.seed, { integer: true }),
    warmupMinS: number('--warmup', values.warmup, { min: 0 }),
    warmupMaxS: number('--warmup-max', values['warmup-max'], { min: 0 }),
    warmupTps: number('--warmup-tps', values['warmup-tps'], { min: 0 }),
    payersPerWallet: values.payers === undefined ? undefined : number('--payers', values.payers, { min: 1, integer: true }),
    refundRate: number('--refund-rate', values['refund-rate'], { min: 0, max: 1 }),
    smallSpenders: number('--small-spenders', values['small-spenders'], { min: 0, integer: true }),
    concurrency: number('--concurrency', values.concurrency, { min: 1, integer: true }),
    riskDeadlineMs:
      values['risk-deadline-ms'] === undefined ? undefined : number('--risk-deadline-ms', values['risk-deadline-ms'], { min: 1, integer: true }),
    resultsDir: path.resolve(values.results),
    packPath: path.resolve(values.pack),
    configPath: path.resolve(REPOSITORY_ROOT, values.config),
    credentialsPath: path.resolve(REPOSITORY_ROOT, values.credentials),
    scoreOnly: values['score-only'],
    echo: values.echo,
  };
  if (options.warmupMaxS < options.warmupMinS) throw new UsageError('--warmup-max must be at least --warmup');
  return options;
}

export function parseWeights(text: string): Partial<Record<Typology, number>> {
  const weights: Partial<Record<Typology, number>> = {};
  for (const entry of text.split(',').map((e) => e.trim()).filter(Boolean)) {
    const [name, value] = entry.split('=');
    if (!name || !isTypology(name)) throw new UsageError(`--weights: "${name}" is not a typology (${TYPOLOGIES.join(', ')})`);
    weights[name] = number(`--weights ${name}`, value ?? '', { min: 0 });
  }
  return weights;
}

function number(flag: string, text: string, limits: { min?: number; max?: number; exclusive?: boolean; integer?: boolean } = {}): number {
  const value = Number(text);
  const bad =
    text.trim() === '' ||
    !Number.isFinite(value) ||
    (limits.integer && !Number.isInteger(value)) ||
    (limits.min !== undefined && (limits.exclusive ? value <= limits.min : value < limits.min)) ||
    (limits.max !== undefined && value > limits.max);
  if (bad) {
    const range = [
      limits.min !== undefined ? `${limits.exclusive ? 'above' : 'at least'} ${limits.min}` : '',
      limits.max !== undefined ? `at most ${limits.max}` : '',
    ]
      .filter(Boolean)
      .join(' and ');
    throw new UsageError(`${flag}: "${text}" is not ${limits.integer ? 'a whole number' : 'a number'}${range ? ` ${range}` : ''}`);
  }
  return value;
}
