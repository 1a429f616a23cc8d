import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';

/**
 * The one ClickHouse client of a process: embedded chDB under DATA_DIR/clickhouse when
 * no CLICKHOUSE_URL is given, a clickhouse-server over HTTP otherwise. Same SQL for both.
 */
export interface ClickHouse {
  client: ClickHouseClient;
  mode: 'embedded' | 'server';
  close(): Promise<void>;
}

export async function openClickHouse(options: { url?: string; dataDir: string }): Promise<ClickHouse> {
  if (options.url) {
    const client = createClient({
      url: options.url,
      request_timeout: 30_000,
      clickhouse_settings: { async_insert: 0 },
    });
    return { client, mode: 'server', close: () => client.close() };
  }
  const dir = path.join(options.dataDir, 'clickhouse');
  mkdirSync(dir, { recursive: true });
  // Imported lazily: the engine maps ~570 MB, which a server-mode process never needs.
  const { createChdbConnection } = await import('chdb/connection');
  const client = createClient({ connection: createChdbConnection({ path: dir }) } as Parameters<typeof createClient>[0]);
  return { client, mode: 'embedded', close: () => client.close() };
}
