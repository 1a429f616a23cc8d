/** `npm run demo`: simulated cross-border traffic at a modest rate against this platform. */
export async function startDemoTraffic(url: string, credentialsPath: string): Promise<() => Promise<void>> {
  const { runSimulation } = await import('../bench/traffic/simulate.ts');
  const controller = new AbortController();
  const running = runSimulation({
    url,
    credentialsPath,
    tps: 25,
    durationS: 365 * 24 * 3600,
    quiet: true,
    signal: controller.signal,
  }).catch((e: unknown) => process.stderr.write(`demo traffic stopped: ${(e as Error).message}\n`));
  process.stdout.write('  demo traffic:  25 payments/s from simulated wallets\n');
  return async () => {
    controller.abort();
    await running;
  };
}
