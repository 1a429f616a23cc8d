import type { SeedProgress } from './seed-history.ts';

const WIDTH = 30;

/** `history [#########.....] 12/31 days, 251,234 payments, 8.2 s` */
export function formatProgressBar(p: SeedProgress): string {
  const share = p.days > 0 ? p.daysDone / p.days : 1;
  const filled = Math.round(share * WIDTH);
  return `  history [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${p.daysDone}/${p.days} days, ${p.rows.toLocaleString('en')} payments, ${(p.elapsedMs / 1000).toFixed(1)} s`;
}
