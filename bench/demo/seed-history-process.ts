import { parseArgs } from 'node:util';
import { migrate } from '../../analytics/schema/migrate.ts';
import { readConfigFile } from '../../server/config/load.ts';
import { openClickHouse } from '../../server/clickhouse.ts';
import { buildDemoWorld } from './demo-world.ts';
import { formatProgressBar } from './progress-bar.ts';
import { seedHistory, transactionCount } from './seed-history.ts';

/**
 * The history seeder as a process of its own (embedded ClickHouse allows one data directory
 * per process, and the platform opens it next): seeds only a ClickHouse that holds no
 * transactions. Prints one JSON line on stdout: { seeded, rows, ms } or { seeded: false, existing }.
 *
 *   node --import tsx bench/demo/seed-history-process.ts --data-dir DIR --database cpg --config C --credentials K
 *        [--seed N] [--payers N] [--days N]      (CLICKHOUSE_URL in the environment: a clickhouse-server)
 */

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    database: { type: 'string', default: 'cpg' },
    config: { type: 'string' },
    credentials: { type: 'string' },
    seed: { type: 'string', default: '19' },
    payers: { type: 'string', default: '8000' },
    days: { type: 'string', default: '30' },
  },
});
const dataDir = values['data-dir'];
const configPath = values.config;
const credentialsPath = values.credentials;
if (!dataDir || !configPath || !credentialsPath) {
  process.stderr.write('usage: seed-history-process.ts --data-dir DIR --config FILE --credentials FILE [--database D] [--seed N] [--payers N] [--days N]\n');
  process.exit(2);
}
const clickhouseUrl = process.env.CLICKHOUSE_URL || undefined;
const clickhouse = await openClickHouse({ dataDir, ...(clickhouseUrl ? { url: clickhouseUrl } : {}) });
try {
  await migrate(clickhouse.client, values.database);
  const existing = await transactionCount(clickhouse.client, values.database);
  if (existing > 0) {
    process.stdout.write(`${JSON.stringify({ seeded: false, existing })}\n`);
  } else {
    const world = buildDemoWorld({
      config: readConfigFile(configPath),
      configPath,
      credentialsPath,
      seed: Number(values.seed),
      payersPerWallet: Number(values.payers),
    });
    const tty = process.stderr.isTTY === true;
    let lastLine = 0;
    const result = await seedHistory({
      client: clickhouse.client,
      database: values.database,
      history: world.history,
      days: Number(values.days),
      now: Date.now(),
      progress: (p) => {
        // A bar redrawn in place on a terminal; in a log, a line every few days.
        if (tty) process.stderr.write(`\r${formatProgressBar(p)}`);
        else if (p.daysDone === p.days || p.daysDone - lastLine >= 5) {
          lastLine = p.daysDone;
          process.stderr.write(`${formatProgressBar(p)}\n`);
        }
      },
    });
    if (tty) process.stderr.write('\n');
    process.stdout.write(`${JSON.stringify({ seeded: true, rows: result.rows, ms: Math.round(result.ms), payers: world.population.payers.length, merchants: world.merchants.length })}\n`);
  }
} finally {
  await clickhouse.close();
}
