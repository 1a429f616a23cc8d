import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { io as connect } from 'socket.io-client';
import { REPOSITORY_ROOT, startPlatform } from '../platform-process.ts';
import type { Measurement, Suite } from '../suite.ts';
import { bootstrapMerchants, errorCodeOf } from '../traffic/bootstrap.ts';
import { DEFAULT_CONFIG_PATH, DEFAULT_CREDENTIALS_PATH, loadParticipants } from '../traffic/participants.ts';
import { createSignedClient } from '../traffic/signed-client.ts';
import { runSimulation } from '../traffic/simulation.ts';

const BACKGROUND_RATES = [1000, 200];
const PROBES_PER_SECOND = 10;
/** A probe refused with 503 OVERLOADED is sent again, at most this many times in all. */
const PROBE_ATTEMPTS = 5;

/**
 * Alert latency: a payment from a sanctioned country is answered, then its alert reaches
 * a risk officer's socket.io client; measured from the answer to the alert, with 1,000
 * ordinary payments/s offered in the background.
 */
export const alertsSuite: Suite = {
  name: 'alerts',
  description: `alert latency (payment answered -> alert on a socket.io client) with ${BACKGROUND_RATES.join(' or ')}/s offered in the background`,
  async run(settings) {
    const results = [];
    for (const rate of BACKGROUND_RATES) results.push(await measureAt(rate, settings));
    return {
      suite: 'alerts',
      description: alertsSuite.description,
      measurements: results.map((r) => r.measurement),
      ratios: [],
      warnings: results.flatMap((r) => r.warnings),
      notes: results.flatMap((r) => r.notes),
    };
  },
};

async function measureAt(BACKGROUND_TPS: number, settings: Parameters<Suite['run']>[0]) {
  {
    const platform = await startPlatform();
    try {
      const { participants } = loadParticipants(DEFAULT_CREDENTIALS_PATH, DEFAULT_CONFIG_PATH);
      const client = createSignedClient(platform.url, { connections: 8 });
      const merchants = await bootstrapMerchants(client, participants.filter((p) => p.kind === 'acquirer'));
      const merchant = merchants.find((m) => m.country === 'CN')!;
      const wallet = participants.find((p) => p.kind === 'overseas_wallet')!;
      const login = await fetch(`${platform.url}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'risk.officer', password: 'risk-officer-dev' }),
      });
      const { token } = (await login.json()) as { token: string };
      const socket = connect(`${platform.url}/console`, { auth: { token }, transports: ['websocket'] });
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      const answered = new Map<string, number>();
      const alerted = new Map<string, number>();
      socket.on('alert', (a: { paymentId: string }) => alerted.set(a.paymentId, performance.now()));

      settings.log(`alerts: ${BACKGROUND_TPS}/s ordinary traffic for ${settings.warmupS + settings.measureS} s, ${PROBES_PER_SECOND} sanctioned-country probes/s after ${settings.warmupS} s`);
      const background = runSimulation({
        url: platform.url,
        credentialsPath: path.join(REPOSITORY_ROOT, 'config/dev-credentials.json'),
        tps: BACKGROUND_TPS,
        durationS: settings.warmupS + settings.measureS,
        quiet: true,
      });
      await new Promise((r) => setTimeout(r, settings.warmupS * 1000));
      const probes: Promise<void>[] = [];
      let probesRefused = 0;
      let probesUnanswered = 0;
      const until = Date.now() + settings.measureS * 1000;
      while (Date.now() < until) {
        const walletId = `probe-${randomUUID()}`;
        const body = JSON.stringify({
          txnId: randomUUID(),
          qr: { payload: merchant.qrPayload },
          amount: { value: '25.00', currency: merchant.currency },
          payer: { walletId, deviceId: `d-${walletId}`, country: 'KP' },
        });
        probes.push(
          (async () => {
            // Admission control may turn a probe away (503 OVERLOADED): sent again after
            // Retry-After, as a participant would, so every probe ends up scored.
            for (let attempt = 1; ; attempt++) {
              const r = await client.send(wallet, 'POST', '/v1/payments', body);
              if (r.status === 503 && errorCodeOf(r.body) === 'OVERLOADED' && attempt < PROBE_ATTEMPTS) {
                probesRefused++;
                await new Promise((resolve) => setTimeout(resolve, 1000 * (r.retryAfterS ?? 1)));
                continue;
              }
              const paymentId = (r.body as { paymentId?: string }).paymentId;
              if (paymentId) answered.set(paymentId, performance.now());
              else probesUnanswered++;
              return;
            }
          })(),
        );
        await new Promise((r) => setTimeout(r, 1000 / PROBES_PER_SECOND));
      }
      await Promise.all(probes);
      const summary = await background;
      await new Promise((r) => setTimeout(r, 2000));
      socket.disconnect();
      await client.close();
      const latencies = [...answered].flatMap(([id, at]) => (alerted.has(id) ? [alerted.get(id)! - at] : []));
      const missing = answered.size - latencies.length;
      const sorted = latencies.sort((a, b) => a - b);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
      const measurement: Measurement = {
        name: `answer -> alert on the socket, ${BACKGROUND_TPS}/s offered (ms)`,
        role: 'subject',
        completed: latencies.length,
        perSecond: latencies.length / settings.measureS,
        p50Ms: at(0.5),
        p99Ms: at(0.99),
        maxMs: sorted.at(-1) ?? 0,
        failures: missing,
        failureKinds: missing ? { 'no alert within 2 s of the end': missing } : {},
      };
      return {
        measurement,
        warnings: [
          ...(missing ? [`${BACKGROUND_TPS}/s: ${missing} of ${answered.size} probes got no alert (under overload the risk fallback approves small payments unscored)`] : []),
          ...(probesUnanswered ? [`${BACKGROUND_TPS}/s: ${probesUnanswered} probes got no payment answer (after ${PROBE_ATTEMPTS} attempts at most)`] : []),
        ],
        notes: [
          `${BACKGROUND_TPS}/s background: sent ${summary.achievedTps.toFixed(0)}/s, 2xx ${(summary.successShare * 100).toFixed(1)}% (${summary.errorCodes.OVERLOADED ?? 0} refused 503 OVERLOADED), payment p50 ${summary.latencyMs.p50.toFixed(1)} ms, p99 ${summary.latencyMs.p99.toFixed(1)} ms; a negative latency means the alert arrived before the answer`,
          `${BACKGROUND_TPS}/s background: ${answered.size} probes answered, ${probesRefused} probe attempts refused 503 OVERLOADED and sent again after Retry-After`,
        ],
      };
    } finally {
      await platform.stop();
    }
  }
}
