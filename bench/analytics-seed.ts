/**
 * Fills the embedded ClickHouse of a data directory with N generated transactions, and the
 * alerts a risk engine would have raised on them, generated inside ClickHouse itself
 * (INSERT ... SELECT FROM numbers()), so ten million rows take seconds, not an hour of
 * simulated traffic. The per-minute aggregates fill through their materialised view as
 * they would live. Run it in a child process: embedded ClickHouse allows one data
 * directory per process.
 *
 *   node --import tsx bench/analytics-seed.ts DATA_DIR ROWS [DAYS=30]
 *
 * The shape follows the development config: seven participants (five wallets, two
 * acquirers), twenty merchants in five countries, corridors by the wallet's country and
 * the merchant's, ~96% approved, ~0.5% reviewed or declined with the reasons of the
 * default rule pack, and an alert (created, most acknowledged, most resolved as fraud or
 * legitimate) for every reviewed or declined payment.
 */
import { performance } from 'node:perf_hooks';
import { migrate } from '../analytics/schema/migrate.ts';
import { openClickHouse } from '../server/clickhouse.ts';

const CHUNK = 1_000_000;

const [dataDir, rowsArg, daysArg] = process.argv.slice(2);
const rows = Number(rowsArg);
const days = Number(daysArg ?? 30);
if (!dataDir || !Number.isInteger(rows) || rows <= 0 || !Number.isInteger(days) || days <= 0) {
  process.stderr.write('usage: analytics-seed.ts DATA_DIR ROWS [DAYS]\n');
  process.exit(2);
}

/** The generated window ends at the last full hour before now, so "the last N days" reports see it all. */
const end = Math.floor(Date.now() / 3_600_000) * 3_600_000;
const start = end - days * 86_400_000;

// Wallets: [participant, kind, country, currency, units per USD].
const WALLETS = `[('siam-wallet','overseas_wallet','TH','THB',35.8),('merlion-pay','overseas_wallet','SG','SGD',1.34),('hangang-pay','overseas_wallet','KR','KRW',1385.0),('panda-wallet','domestic_wallet','CN','CNY',7.12),('yangtze-pay','domestic_wallet','CN','CNY',7.12)]`;
// Merchants: [id, name, mcc, country, city, currency, acquirer, network, units per USD].
const MERCHANTS = `[
  ('m-cn-0001','Jade Garden Restaurant','5812','CN','Shanghai','CNY','huaxia-acquiring','unionpay',7.12),
  ('m-cn-0002','Silk Road Jewellers','5944','CN','Shanghai','CNY','huaxia-acquiring','unionpay',7.12),
  ('m-cn-0003','Bund Department Store','5311','CN','Shanghai','CNY','huaxia-acquiring','unionpay',7.12),
  ('m-cn-0004','West Lake Spa','7991','CN','Hangzhou','CNY','huaxia-acquiring','unionpay',7.12),
  ('m-cn-0005','Pearl Electronics','5732','CN','Shenzhen','CNY','huaxia-acquiring','unionpay',7.12),
  ('m-cn-0006','Dragon Noodle Bar','5814','CN','Beijing','CNY','huaxia-acquiring','unionpay',7.12),
  ('m-cn-0007','Lotus Dining','5812','CN','Guangzhou','CNY','huaxia-acquiring','unionpay',7.12),
  ('m-cn-0008','Great Wall Mart','5499','CN','Beijing','CNY','huaxia-acquiring','unionpay',7.12),
  ('m-cn-0009','Shanghai Fashion House','5699','CN','Shanghai','CNY','huaxia-acquiring','unionpay',7.12),
  ('m-cn-0010','Riverside Hotel','7011','CN','Chengdu','CNY','huaxia-acquiring','unionpay',7.12),
  ('m-cn-0011','Harmony Pharmacy','5912','CN','Xian','CNY','huaxia-acquiring','unionpay',7.12),
  ('m-cn-0012','Imperial Watches','5944','CN','Beijing','CNY','huaxia-acquiring','unionpay',7.12),
  ('m-sg-0001','Marina Bay Store','5311','SG','Singapore','SGD','lion-city-acquiring','nets',1.34),
  ('m-sg-0002','Hawker Corner','5814','SG','Singapore','SGD','lion-city-acquiring','nets',1.34),
  ('m-sg-0003','Orchard Gadgets','5732','SG','Singapore','SGD','lion-city-acquiring','nets',1.34),
  ('m-th-0001','Siam Silk Boutique','5699','TH','Bangkok','THB','lion-city-acquiring','promptpay',35.8),
  ('m-th-0002','Chao Phraya Tours','7999','TH','Bangkok','THB','lion-city-acquiring','promptpay',35.8),
  ('m-kr-0001','Myeongdong Beauty','5977','KR','Seoul','KRW','lion-city-acquiring','zeropay',1385.0),
  ('m-kr-0002','Gangnam Grill','5812','KR','Seoul','KRW','lion-city-acquiring','zeropay',1385.0),
  ('m-my-0001','KL Sweets','5309','MY','Kuala Lumpur','MYR','lion-city-acquiring','duitnow',4.45)]`;
// Reasons of the default pack a flagged payment carries, by weight.
const RULES = `['velocity-payer-burst','velocity-device-burst','probing-device','large-value-single','large-value-daily','structuring','amount-spike','new-device-high-amount','geo-impossible-travel','high-risk-mcc-night','mule-fan-out','sanctioned-country']`;

/**
 * The columns a SELECT below names, in its order: its aliases up to its FROM. The INSERT
 * names them, so columns added by later migrations take their defaults.
 */
function selectedColumns(select: string): string {
  const outer = select.slice(0, select.indexOf('\nFROM ('));
  return [...outer.matchAll(/\bAS ([a-z_]+)(?=\s*(?:,|$))/gm)].map((m) => m[1]).join(', ');
}

function transactionsChunk(offset: number, count: number): string {
  const select = transactionsSelect(offset, count);
  return `
INSERT INTO cpg.transactions (${selectedColumns(select)})
${select}`;
}

function transactionsSelect(offset: number, count: number): string {
  return `SELECT
  concat('pay_bench', leftPad(toString(n), 10, '0')) AS payment_id,
  multiIf(n % 100 = 0, 'refund', n % 250 = 1, 'reversal', 'payment') AS message_type,
  if(message_type = 'payment', '', concat('pay_bench', leftPad(toString(n - 1), 10, '0'))) AS original_payment_id,
  w.1 AS participant, w.2 AS participant_kind,
  if(message_type = 'refund', m.7, w.1) AS initiator,
  concat('t-', toString(n)) AS txn_id,
  multiIf(m.4 = 'CN', 'inbound', w.3 = 'CN', 'outbound', w.3 = m.4, 'local', 'cross-market') AS direction,
  concat(w.3, '-', m.4) AS corridor,
  w.3 AS payer_market,
  concat('w-', toString(cityHash64(n, 1) % 200000)) AS wallet_id,
  concat('u-', toString(cityHash64(n, 1) % 200000)) AS user_id,
  concat('d-', toString(cityHash64(n, 2) % 250000)) AS device_id,
  IPv4NumToString(toUInt32(167772160 + cityHash64(n, 3) % 16777216)) AS ip,
  w.3 AS payer_country,
  CAST(22.0 + (cityHash64(n, 4) % 2000) / 100.0 AS Nullable(Float64)) AS lat,
  CAST(100.0 + (cityHash64(n, 5) % 2500) / 100.0 AS Nullable(Float64)) AS lon,
  m.1 AS merchant_id, m.2 AS merchant_name, m.3 AS mcc, m.4 AS merchant_country, m.5 AS merchant_city,
  m.7 AS acquirer, m.8 AS network,
  toDecimal64(usd * m.9, 4) AS amount, m.6 AS currency,
  toDecimal64(usd, 4) AS amount_usd,
  toDecimal64(usd * w.5, 4) AS settlement_amount, w.4 AS settlement_currency,
  toDecimal64(w.5 / m.9, 8) AS fx_rate,
  if(decision = 'decline', 'DECLINED', 'APPROVED') AS status,
  if(decision = 'decline', 'RISK_DECLINED', '') AS decline_code,
  toUInt16(multiIf(decision = 'decline', 700 + cityHash64(n, 6) % 300, decision = 'review', 400 + cityHash64(n, 6) % 300, cityHash64(n, 6) % 250)) AS risk_score,
  multiIf(cityHash64(n, 7) % 1000 < 2, 'decline', cityHash64(n, 7) % 1000 < 5, 'review', 'approve') AS decision,
  if(decision = 'approve', [], [arrayElement(${RULES}, 1 + cityHash64(n, 8) % 12)]) AS reason_rule_ids,
  if(decision = 'approve', '[]', concat('[{"ruleId":"', reason_rule_ids[1], '","ruleVersion":1,"message":"generated"}]')) AS reasons,
  'rs-1' AS rule_set_version,
  [] AS shadow_rule_ids,
  toUInt32(1500 + cityHash64(n, 9) % 6000) AS switch_latency_us,
  toUInt32(300 + cityHash64(n, 10) % 1500) AS risk_latency_us,
  fromUnixTimestamp64Milli(toInt64(${start} + intDiv(n * ${days * 86_400_000}, ${rows}))) AS received_at,
  received_at + toIntervalMillisecond(switch_latency_us / 1000) AS decided_at,
  concat(toString(toUnixTimestamp64Milli(received_at)), '-', toString(n % 100)) AS stream_id,
  decided_at + toIntervalMillisecond(500 + cityHash64(n, 11) % 1000) AS ingested_at
FROM (
  SELECT
    number AS n,
    arrayElement(${WALLETS}, 1 + cityHash64(number, 12) % 5) AS w,
    -- Never a wallet's own market: the switch only routes cross-border payments.
    arrayFilter(x -> x.4 != w.3, ${MERCHANTS}) AS choices,
    arrayElement(choices, 1 + cityHash64(number, 13) % length(choices)) AS m,
    -- Log-normal-ish everyday amounts, a few large ones.
    round(if(cityHash64(number, 14) % 2000 = 0, 9000 + cityHash64(number, 15) % 4000, exp(2.5 + (cityHash64(number, 16) % 1000) / 400.0)), 2) AS usd
  FROM numbers(${offset}, ${count})
)
SETTINGS insert_deduplication_token = 'bench-seed-${offset}', async_insert = 0`;
}

/** The alert events a flagged payment gets: created; most acknowledged; most resolved with a disposition. */
function alertEvents(): string {
  return `
INSERT INTO cpg.alert_events
SELECT
  concat(alert_id, '-', step.1) AS event_id,
  alert_id,
  received_at + toIntervalSecond(step.2) AS at,
  step.1 AS kind,
  participant,
  payment_id,
  reason_rule_ids[1] AS rule_id,
  multiIf(risk_score >= 800, 'critical', risk_score >= 600, 'high', risk_score >= 400, 'medium', 'low') AS severity,
  multiIf(step.1 = 'created', 'open', step.1 = 'acknowledged', 'acknowledged', 'resolved') AS status,
  if(step.1 = 'created', 'risk-engine', 'risk.officer') AS actor,
  '' AS assignee,
  if(step.1 = 'resolved', if(cityHash64(payment_id, 20) % 3 = 0, 'fraud', 'legitimate'), '') AS disposition,
  '' AS note,
  '{}' AS details
FROM (
  SELECT payment_id, concat('al_', payment_id) AS alert_id, participant, received_at, risk_score, reason_rule_ids,
    arrayFilter(s -> s.1 = 'created'
        OR (s.1 = 'acknowledged' AND cityHash64(payment_id, 21) % 10 < 8)
        OR (s.1 = 'resolved' AND cityHash64(payment_id, 21) % 10 < 6),
      [('created', 0), ('acknowledged', toInt32(60 + cityHash64(payment_id, 22) % 3600)), ('resolved', toInt32(3700 + cityHash64(payment_id, 23) % 86400))]) AS steps
  FROM cpg.transactions
  WHERE decision != 'approve' AND startsWith(payment_id, 'pay_bench')
)
ARRAY JOIN steps AS step
SETTINGS insert_deduplication_token = 'bench-seed-alerts', async_insert = 0`;
}

const clickhouse = await openClickHouse({ dataDir });
try {
  await migrate(clickhouse.client, 'cpg');
  const started = performance.now();
  for (let offset = 0; offset < rows; offset += CHUNK) {
    const count = Math.min(CHUNK, rows - offset);
    await clickhouse.client.command({ query: transactionsChunk(offset, count) });
    process.stderr.write(`  seeded ${(offset + count).toLocaleString('en')} of ${rows.toLocaleString('en')} transactions (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
  }
  await clickhouse.client.command({ query: alertEvents() });
  const seconds = Number(((performance.now() - started) / 1000).toFixed(1));
  // A table live for weeks has merged its parts; freshly generated rows are still being
  // merged in the background, and a query timed meanwhile measures the merges. Wait until
  // no merge has run for two seconds in a row (at most two minutes), and say how long.
  const settling = performance.now();
  let quiet = 0;
  while (quiet < 4 && performance.now() - settling < 120_000) {
    const [running] = await (
      await clickhouse.client.query({ query: `SELECT toUInt32(count()) AS merges FROM system.merges WHERE database = 'cpg'`, format: 'JSONEachRow' })
    ).json<{ merges: number }>();
    quiet = running?.merges === 0 ? quiet + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const settleSeconds = Number(((performance.now() - settling) / 1000).toFixed(1));
  process.stderr.write(`  background merges settled in ${settleSeconds} s\n`);
  const [counts] = await (
    await clickhouse.client.query({
      query: `SELECT toUInt64(count()) AS transactions,
                (SELECT toUInt64(count()) FROM cpg.alert_events) AS alert_events,
                (SELECT toUInt64(sum(messages)) FROM cpg.transactions_per_minute) AS per_minute_messages,
                (SELECT toUInt32(count()) FROM system.parts WHERE database = 'cpg' AND table = 'transactions' AND active) AS parts,
                toString(min(received_at)) AS first, toString(max(received_at)) AS last
              FROM cpg.transactions`,
      format: 'JSONEachRow',
    })
  ).json<Record<string, string | number>>();
  process.stdout.write(`${JSON.stringify({ ...counts, seconds, settleSeconds })}\n`);
} finally {
  await clickhouse.close();
}
