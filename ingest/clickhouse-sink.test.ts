import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickhouseTransactionBodySink } from './clickhouse-sink.ts';

// The embedded path is covered by the ingest tests; this pins what goes over HTTP to a
// clickhouse-server, which no test machine runs: the statement, the settings, the body as built.
describe('the prepared-body insert over HTTP', () => {
  let server: Server;
  let client: ClickHouseClient;
  let answer: { status: number; body: string } = { status: 200, body: '' };
  const requests: Array<{ query: URLSearchParams; body: string }> = [];

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        requests.push({ query: new URL(req.url ?? '/', 'http://x').searchParams, body });
        res.writeHead(answer.status, { 'Content-Type': 'text/plain' }).end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = createClient({
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      // The refused insert below is expected: no error dump from the client.
      log: { level: ClickHouseLogLevel.OFF },
    });
  });
  afterAll(async () => {
    await client?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('sends the body verbatim with the INSERT and its token in the URL', async () => {
    const body = '{"payment_id":"p-1","merchant_name":"翡翠园"}\n{"payment_id":"p-2","merchant_name":"x"}\n';
    await clickhouseTransactionBodySink(client, 'cpg')(body, 'tx:1-0:2-0:2');
    const sent = requests.at(-1)!;
    expect(sent.body).toBe(body);
    expect(sent.query.get('query')).toBe('INSERT INTO cpg.transactions FORMAT JSONEachRow');
    expect(Object.fromEntries(['async_insert', 'insert_deduplication_token', 'deduplicate_blocks_in_dependent_materialized_views'].map((k) => [k, sent.query.get(k)]))).toEqual({
      async_insert: '0',
      insert_deduplication_token: 'tx:1-0:2-0:2',
      deduplicate_blocks_in_dependent_materialized_views: '1',
    });
  });

  it('rejects when ClickHouse refuses the insert, so the writer retries', async () => {
    answer = { status: 500, body: 'Code: 27. DB::Exception: Cannot parse input: expected \'{\' (CANNOT_PARSE_INPUT_ASSERTION_FAILED)' };
    try {
      await expect(clickhouseTransactionBodySink(client, 'cpg')('not json\n', 'tx:3-0:3-0:1')).rejects.toThrow(/Cannot parse input/);
    } finally {
      answer = { status: 200, body: '' };
    }
  });
});
