import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { request } from 'undici';
import { REPOSITORY_ROOT, startPlatform } from '../platform-process.ts';
import { measurementOfRuns, median, type TimedRuns } from '../few-runs.ts';
import type { Measurement, Suite } from '../suite.ts';
import { DEFAULT_CONFIG_PATH, DEFAULT_CREDENTIALS_PATH, loadParticipants } from '../traffic/participants.ts';
import { createSignedClient } from '../traffic/signed-client.ts';

/** Rows generated inside ClickHouse (`ANALYTICS_ROWS` overrides, e.g. for a quick look). */
const ROWS = Number(process.env.ANALYTICS_ROWS ?? 10_000_000);
const DAYS = 30;
/** Timed runs per query, after one untimed run. */
const RUNS = 5;
const REPORT_TARGET_MS = 1000;
const SUMMARY_TARGET_MS = 200;

type Timed = TimedRuns;

/**
 * The compliance reports and the participant summary over ten million transactions in
 * embedded ClickHouse, generated inside ClickHouse (bench/analytics-seed.ts), each timed
 * through the platform's own HTTP API (authentication, validation, audit included), next to
 * a plain full scan of the same rows through the read-only SQL endpoint.
 */
export const analyticsSuite: Suite = {
  name: 'analytics',
  description: `compliance reports and the participant summary over ${ROWS.toLocaleString('en')} transactions (${DAYS} days) in embedded ClickHouse`,
  async run(settings) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cpg-analytics-bench-'));
    try {
      settings.log(`analytics: generating ${ROWS.toLocaleString('en')} transactions inside ClickHouse`);
      const seeded = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/analytics-seed.ts', dataDir, String(ROWS), String(DAYS)], {
        cwd: REPOSITORY_ROOT,
        maxBuffer: 1 << 20,
      });
      const seed = JSON.parse(seeded.stdout.trim().split('\n').at(-1)!) as { transactions: number; alert_events: number; seconds: number; settleSeconds: number; parts: number; first: string; last: string };
      settings.log(`analytics: ${seed.transactions} transactions and ${seed.alert_events} alert events in ${seed.seconds} s, background merges settled in ${seed.settleSeconds} s (${seed.parts} parts); starting the platform on them`);

      const platform = await startPlatform({ dataDir, healthTimeoutMs: 120_000 });
      const signed = createSignedClient(platform.url, { connections: 1, timeoutMs: 60_000 });
      try {
        const login = await request(`${platform.url}/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'compliance', password: 'compliance-dev' }),
        });
        const { token } = (await login.body.json()) as { token: string };
        const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
        const from = new Date(Date.parse(`${seed.first}Z`)).toISOString();
        const to = new Date(Date.parse(`${seed.last}Z`) + 1).toISOString();

        const time = async (name: string, role: Measurement['role'], call: () => Promise<{ status: number; text: string }>): Promise<Timed> => {
          const timed: Timed = { name, role, ms: [], failures: 0, failureKinds: {} };
          for (let i = 0; i <= RUNS; i++) {
            const started = performance.now();
            const answer = await call();
            const ms = performance.now() - started;
            if (answer.status !== 200) {
              timed.failures++;
              const kind = `${answer.status} ${answer.text.slice(0, 120)}`;
              timed.failureKinds[kind] = (timed.failureKinds[kind] ?? 0) + 1;
            } else if (i > 0) timed.ms.push(ms);
          }
          settings.log(`  ${name}: median ${median(timed.ms).toFixed(0)} ms`);
          return timed;
        };
        const post = async (url: string, body: unknown) => {
          const r = await request(`${platform.url}${url}`, { method: 'POST', headers: auth, body: JSON.stringify(body) });
          return { status: r.statusCode, text: await r.body.text() };
        };

        const results: Timed[] = [];
        results.push(
          await time('full scan: count and sum of every row through POST /v1/sql (baseline)', 'baseline', () =>
            post('/v1/sql', { query: 'SELECT count() AS n, sum(amount_usd) AS usd FROM cpg.transactions' }),
          ),
        );
        const catalog = (await (await request(`${platform.url}/v1/reports`, { headers: auth })).body.json()) as { reports: Array<{ name: string; maxSpanDays?: number }> };
        for (const report of catalog.reports) {
          const span = Math.min(DAYS, report.maxSpanDays ?? DAYS);
          const params = { from: new Date(Date.parse(to) - span * 86_400_000).toISOString(), to };
          results.push(await time(`report ${report.name} (${span} days)`, 'subject', () => post(`/v1/reports/${report.name}`, { params, format: 'json' })));
        }
        const { participants } = loadParticipants(DEFAULT_CREDENTIALS_PATH, DEFAULT_CONFIG_PATH);
        const siam = participants.find((p) => p.id === 'siam-wallet')!;
        const query = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
        results.push(
          await time(`participant summary, siam-wallet, ${DAYS} days (signed GET /v1/analytics/summary)`, 'subject', async () => {
            const r = await signed.send({ id: siam.id, secret: siam.secret }, 'GET', `/v1/analytics/summary?${query}`);
            return { status: r.status, text: JSON.stringify(r.body) };
          }),
        );

        const measurements = results.map(measurementOfRuns);
        const reports = measurements.filter((m) => m.name.startsWith('report '));
        const summary = measurements.find((m) => m.name.startsWith('participant summary'))!;
        const slow = reports.filter((m) => !(m.p50Ms < REPORT_TARGET_MS));
        const notes = [
          `${seed.transactions.toLocaleString('en')} transactions over ${DAYS} days and ${seed.alert_events.toLocaleString('en')} alert events, generated in ${seed.seconds} s; timed after ClickHouse's background merges settled (${seed.settleSeconds} s, ${seed.parts} active parts), as on a table live for weeks; medians of ${RUNS} runs after one untimed run`,
          `reports: ${reports.length - slow.length} of ${reports.length} under ${REPORT_TARGET_MS} ms (median)${slow.length ? `; over: ${slow.map((m) => `${m.name} ${m.p50Ms.toFixed(0)} ms`).join(', ')}` : ''}`,
          `participant summary: median ${summary.p50Ms.toFixed(0)} ms (target < ${SUMMARY_TARGET_MS} ms)`,
        ];
        const warnings = measurements.filter((m) => m.failures > 0).map((m) => `${m.name}: ${m.failures} failed runs (${Object.keys(m.failureKinds).join('; ')})`);
        // Ratios against a full scan say little about a report; the table gives both.
        const method = `one request at a time, ${RUNS} timed runs each after one untimed run; per second = 1000 / median, p99 and max = the slowest run`;
        return { suite: 'analytics', description: analyticsSuite.description, method, measurements, ratios: [], warnings, notes };
      } finally {
        await signed.close();
        await platform.stop(60_000);
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};
