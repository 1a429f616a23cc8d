/**
 * The in-process velocity state alone: memory per active payer, CPU per observation (read
 * and count, as the risk step does; apply, as another node's delta or a replayed row), and
 * what a snapshot costs (serialising on the event loop, bytes on disk). Figures for
 * docs/scaling.md. Run with `npm run bench:risk-state -- [payers]` (needs --expose-gc,
 * which the npm script passes).
 */
import { serialize } from 'node:v8';
import { observationOf, type Observation } from '../rules/state/observation.ts';
import { createRiskState } from '../rules/state/risk-state.ts';
import { testMessage } from '../rules/test-support/messages.ts';

const payers = Number(process.argv[2] ?? 100_000);
const merchants = 2000;
const PAYMENTS_PER_PAYER = 3;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run bench:risk-state)');

const heap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
};

const now = Date.now();
/** A payer's payment: its own device and IP, one of `merchants` merchants. */
const observation = (payer: number, k: number): Observation => ({
  ...observationOf(
    testMessage({ walletId: `w-${payer}`, deviceId: `d-${payer}`, ip: `10.${(payer >> 16) & 255}.${(payer >> 8) & 255}.${payer & 255}`, merchantId: `m-${(payer * 7 + k) % merchants}`, usd: 20 + (k % 50), at: now - 3_600_000 + payer + k * 1000 }),
    7.12,
  ),
  status: 'APPROVED',
});

const state = createRiskState();
const before = heap();
let t0 = performance.now();
for (let p = 0; p < payers; p++) for (let k = 0; k < PAYMENTS_PER_PAYER; k++) state.apply(observation(p, k));
const applyUs = ((performance.now() - t0) * 1000) / (payers * PAYMENTS_PER_PAYER);
const after = heap();
const size = state.size();

// The live path: observe (count and read) then record, on payers already known.
const sample = Math.min(payers, 50_000);
const messages = Array.from({ length: sample }, (_, i) => observation(i, PAYMENTS_PER_PAYER + 1));
t0 = performance.now();
for (const o of messages) {
  state.observe(o);
  state.record(o, 'APPROVED');
}
const observeUs = ((performance.now() - t0) * 1000) / sample;

t0 = performance.now();
const bytes = serialize({ takenAt: now, recent: [], state: state.exported() });
const serializeMs = performance.now() - t0;

// A day and a half later: the rings (28 h) are forgotten, profiles and device sets (30 days) stay.
const remaining = state.sweep(now + 36 * 3_600_000);
const idle = heap();

const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
console.log(`payers ${payers} (each: own device, own IP, ${PAYMENTS_PER_PAYER} payments to ${PAYMENTS_PER_PAYER} of ${merchants} merchants), node ${process.version}`);
console.log(`entities: ${JSON.stringify(size)}`);
console.log(`memory: ${mb(after - before)} MiB, ${((after - before) / payers).toFixed(0)} bytes per active payer (with its device, IP, pairs, sets and profile)`);
console.log(`after 36 h without payments: ${remaining} entries, ${((idle - before) / payers).toFixed(0)} bytes per payer (profile and devices kept 30 days)`);
console.log(`apply (another node's message or a replayed row): ${applyUs.toFixed(2)} us per message`);
console.log(`observe + record (the risk step's facts and its settlement): ${observeUs.toFixed(2)} us per payment`);
console.log(`snapshot: serialised in ${serializeMs.toFixed(0)} ms on the event loop, ${mb(bytes.length)} MiB, ${(bytes.length / payers).toFixed(0)} bytes per payer`);
