import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickhouseTransactionBodySink } from './clickhouse-sink.ts';
import { refusalOf } from './insert-refusal.ts';

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
    expect(Object.fromEntries(['async_insert', 'insert_deduplication_token', 'deduplicate_blocks_in_dependent_materialized_views', 'input_format_parallel_parsing'].map((k) => [k, sent.query.get(k)]))).toEqual({
      async_insert: '0',
      insert_deduplication_token: 'tx:1-0:2-0:2',
      deduplicate_blocks_in_dependent_materialized_views: '1',
      input_format_parallel_parsing: null,
    });
    // A part of a refused batch is parsed row by row.
    await clickhouseTransactionBodySink(client, 'cpg')(body, 'tx:1-0:2-0:2/1-0:1-0:1', { rowByRow: true });
    expect(requests.at(-1)!.query.get('input_format_parallel_parsing')).toBe('0');
  });

  it("rejects with ClickHouse's error code, which tells a refused row from a failing server", async () => {
    const attempt = async (status: number, body: string) => {
      answer = { status, body };
      try {
        return await clickhouseTransactionBodySink(client, 'cpg')('{"amount":"999999999999999"}\n', 'tx:3-0:3-0:1').then(() => undefined, (e: unknown) => e);
      } finally {
        answer = { status: 200, body: '' };
      }
    };
    const refused = await attempt(500, "Code: 69. DB::Exception: Decimal value is too big: 15 digits were read: '999999999999999'e0. Expected to read decimal with scale 4 and precision 18: (while reading the value of key amount): (at row 1)\n: While executing ParallelParsingBlockInputFormat. (ARGUMENT_OUT_OF_BOUND) (version 26.8.1.1)");
    expect(refused).toMatchObject({ code: '69', type: 'ARGUMENT_OUT_OF_BOUND' });
    expect(refusalOf(refused)).toMatchObject({ code: 'ARGUMENT_OUT_OF_BOUND', row: 0 });
    const failing = await attempt(500, 'Code: 241. DB::Exception: Memory limit (total) exceeded: would use 3.50 GiB. (MEMORY_LIMIT_EXCEEDED) (version 26.8.1.1)');
    expect(failing).toMatchObject({ code: '241' });
    expect(refusalOf(failing)).toBeUndefined();
  });
});
