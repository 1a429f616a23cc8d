/**
 * The ClickHouse schema as an ordered list of migrations. Every statement is idempotent
 * (IF NOT EXISTS), so a migration interrupted half way is simply run again; the same SQL
 * runs on embedded chDB and on clickhouse-server. `{db}` is the database name.
 *
 * Deduplication: every table fed by the ingest writer, and every materialised-view
 * target, keeps the hashes of its last blocks (`non_replicated_deduplication_window`),
 * so a batch retried with the same insert_deduplication_token lands once, in the source
 * and in the aggregates alike.
 */
export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

const DEDUP = 'non_replicated_deduplication_window = 10000';

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'transactions',
    statements: [
      // ORDER BY (participant, received_at): nearly every query is one participant over a
      // time range (participant analytics, reports per wallet or acquirer), and the primary
      // index then reads only that participant's granules. Monthly partitions keep merges
      // small and let retention drop whole months. TTL 5 years: AML record keeping.
      `CREATE TABLE IF NOT EXISTS {db}.transactions
      (
        payment_id String,
        message_type LowCardinality(String),
        original_payment_id String,
        participant LowCardinality(String),
        participant_kind LowCardinality(String),
        initiator LowCardinality(String),
        txn_id String,
        direction LowCardinality(String),
        corridor LowCardinality(String),
        payer_market LowCardinality(String),
        wallet_id String,
        user_id String,
        device_id String,
        ip String,
        payer_country LowCardinality(String),
        lat Nullable(Float64),
        lon Nullable(Float64),
        merchant_id LowCardinality(String),
        merchant_name String,
        mcc LowCardinality(String),
        merchant_country LowCardinality(String),
        merchant_city LowCardinality(String),
        acquirer LowCardinality(String),
        network LowCardinality(String),
        amount Decimal(18, 4),
        currency LowCardinality(String),
        amount_usd Decimal(18, 4),
        settlement_amount Decimal(18, 4),
        settlement_currency LowCardinality(String),
        fx_rate Decimal(18, 8),
        status LowCardinality(String),
        decline_code LowCardinality(String),
        risk_score UInt16,
        decision LowCardinality(String),
        reason_rule_ids Array(LowCardinality(String)),
        reasons String,
        rule_set_version LowCardinality(String),
        shadow_rule_ids Array(LowCardinality(String)),
        switch_latency_us UInt32,
        risk_latency_us UInt32,
        received_at DateTime64(3, 'UTC'),
        decided_at DateTime64(3, 'UTC'),
        stream_id String,
        ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
      )
      ENGINE = MergeTree
      PARTITION BY toYYYYMM(received_at)
      ORDER BY (participant, received_at, payment_id)
      TTL toDateTime(received_at) + INTERVAL 5 YEAR
      SETTINGS ${DEDUP}`,
    ],
  },
  {
    version: 2,
    name: 'transactions_per_minute',
    statements: [
      // Live consoles and participant time series read minutes, not rows: one row per
      // participant x corridor x decision x status x type per minute. ORDER BY starts with
      // participant for the same reason as transactions; TTL 2 years: beyond that the raw
      // rows answer.
      `CREATE TABLE IF NOT EXISTS {db}.transactions_per_minute
      (
        minute DateTime('UTC'),
        participant LowCardinality(String),
        corridor LowCardinality(String),
        decision LowCardinality(String),
        status LowCardinality(String),
        message_type LowCardinality(String),
        messages SimpleAggregateFunction(sum, UInt64),
        amount_usd SimpleAggregateFunction(sum, Decimal(38, 4)),
        max_risk_score SimpleAggregateFunction(max, UInt16),
        switch_latency_us AggregateFunction(quantilesTDigest(0.5, 0.99), UInt32)
      )
      ENGINE = AggregatingMergeTree
      PARTITION BY toYYYYMM(minute)
      ORDER BY (participant, minute, corridor, decision, status, message_type)
      TTL minute + INTERVAL 2 YEAR
      SETTINGS ${DEDUP}`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.transactions_per_minute_mv
      TO {db}.transactions_per_minute AS
      SELECT
        toStartOfMinute(received_at) AS minute,
        participant, corridor, decision, status, message_type,
        count() AS messages,
        sum(toDecimal128(amount_usd, 4)) AS amount_usd,
        max(risk_score) AS max_risk_score,
        quantilesTDigestState(0.5, 0.99)(switch_latency_us) AS switch_latency_us
      FROM {db}.transactions
      GROUP BY minute, participant, corridor, decision, status, message_type`,
    ],
  },
  {
    version: 3,
    name: 'alert_events and audit_log',
    statements: [
      // Alerts are append-only events; the current state of an alert is argMax over its
      // events. ORDER BY (alert_id, at) keeps one alert's history together; TTL 5 years
      // like the transactions they explain.
      `CREATE TABLE IF NOT EXISTS {db}.alert_events
      (
        event_id String,
        alert_id String,
        at DateTime64(3, 'UTC'),
        kind LowCardinality(String),
        participant LowCardinality(String),
        payment_id String,
        rule_id LowCardinality(String),
        severity LowCardinality(String),
        status LowCardinality(String),
        actor LowCardinality(String),
        assignee LowCardinality(String),
        disposition LowCardinality(String),
        note String,
        details String
      )
      ENGINE = MergeTree
      PARTITION BY toYYYYMM(at)
      ORDER BY (alert_id, at, event_id)
      TTL toDateTime(at) + INTERVAL 5 YEAR
      SETTINGS ${DEDUP}`,
      // Who did what, append-only. ORDER BY (at, actor): the audit is read as a time line,
      // filtered by actor or action. TTL 7 years: longer than any record it audits.
      `CREATE TABLE IF NOT EXISTS {db}.audit_log
      (
        event_id String,
        at DateTime64(3, 'UTC'),
        actor LowCardinality(String),
        actor_role LowCardinality(String),
        action LowCardinality(String),
        target String,
        outcome LowCardinality(String),
        details String
      )
      ENGINE = MergeTree
      PARTITION BY toYYYYMM(at)
      ORDER BY (at, actor, event_id)
      TTL toDateTime(at) + INTERVAL 7 YEAR
      SETTINGS ${DEDUP}`,
    ],
  },
  {
    version: 4,
    name: 'transactions.decline_reason',
    statements: [
      // Why a declined message was declined, as participant analytics group it: the issuer's
      // code, or for a risk decline the rule that weighed most (reasons are ordered by
      // contribution), RISK_DECLINED when no rule is named (a degraded fallback); '' unless
      // declined. Materialised at insert, so a summary over millions of rows reads one
      // LowCardinality column instead of evaluating this over the reasons array of every
      // row. Parts written before this migration compute it on read: same answer.
      `ALTER TABLE {db}.transactions ADD COLUMN IF NOT EXISTS decline_reason LowCardinality(String)
      MATERIALIZED if(status = 'DECLINED',
        if(decline_code = 'RISK_DECLINED' AND notEmpty(reason_rule_ids), reason_rule_ids[1], if(decline_code = '', 'UNSPECIFIED', decline_code)),
        '')`,
    ],
  },
  {
    version: 5,
    name: 'transactions payment id indexes',
    statements: [
      // A payment whose state has left Redis is read back by its id (and its follow-ups by
      // the original's id), which the sort key does not lead with: a bloom filter per four
      // granules skips the rest. Parts written before this migration are read whole.
      `ALTER TABLE {db}.transactions ADD INDEX IF NOT EXISTS payment_id_bloom payment_id TYPE bloom_filter(0.001) GRANULARITY 4`,
      `ALTER TABLE {db}.transactions ADD INDEX IF NOT EXISTS original_payment_id_bloom original_payment_id TYPE bloom_filter(0.001) GRANULARITY 4`,
    ],
  },
  {
    version: 6,
    name: 'screening: names in transactions, list versions and their entities',
    statements: [
      // The parties' names as screened (FATF recommendation 16 originator information; the
      // merchant's from the registry), and the screening lists and versions the decision
      // used ("sample:3,ofac:12"), so a backtest replays the versions of the time.
      `ALTER TABLE {db}.transactions ADD COLUMN IF NOT EXISTS payer_name String DEFAULT ''`,
      `ALTER TABLE {db}.transactions ADD COLUMN IF NOT EXISTS merchant_name String DEFAULT ''`,
      `ALTER TABLE {db}.transactions ADD COLUMN IF NOT EXISTS screening_lists LowCardinality(String) DEFAULT ''`,
      // One row per uploaded version of a screening list: who, when, what it held.
      `CREATE TABLE IF NOT EXISTS {db}.screening_list_versions
      (
        name LowCardinality(String),
        version UInt32,
        uploaded_at DateTime64(3, 'UTC'),
        uploaded_by String,
        entities UInt32,
        names UInt32,
        sha256 String
      )
      ENGINE = ReplacingMergeTree
      ORDER BY (name, version)`,
      // The entities of every version, as parsed: what a backtest rebuilds the index of a
      // past version from. Kept as long as the transactions screened against them.
      `CREATE TABLE IF NOT EXISTS {db}.screening_list_entities
      (
        name LowCardinality(String),
        version UInt32,
        entity_id String,
        schema LowCardinality(String),
        kind LowCardinality(String),
        topics Array(String),
        names Array(String),
        weak_aliases Array(String),
        birth_years Array(UInt16),
        countries Array(String)
      )
      ENGINE = ReplacingMergeTree
      ORDER BY (name, version, entity_id)`,
    ],
  },
  {
    version: 7,
    name: "screening: the merchant's other names in transactions",
    statements: [
      // The merchant's names screened besides its registered one: the registry's name in its
      // own language and the presented QR's alternate-language name (template 64).
      `ALTER TABLE {db}.transactions ADD COLUMN IF NOT EXISTS merchant_alt_names Array(String) DEFAULT []`,
    ],
  },
  {
    version: 8,
    name: "screening: the payer's year of birth and nationality in transactions",
    statements: [
      // What strengthened or weakened the payer's screening, when the wallet sent it (FATF
      // recommendation 16 originator information); only the year of the date of birth is kept.
      `ALTER TABLE {db}.transactions ADD COLUMN IF NOT EXISTS payer_birth_year UInt16 DEFAULT 0`,
      `ALTER TABLE {db}.transactions ADD COLUMN IF NOT EXISTS payer_nationality LowCardinality(String) DEFAULT ''`,
    ],
  },
  {
    version: 9,
    name: 'case_events',
    statements: [
      // Cases are append-only events like alerts (cases/case.ts); a case's current state is
      // argMax over its events. ORDER BY (case_id, at) keeps one case's history together;
      // TTL 5 years, as long as the reports they may lead to are kept.
      `CREATE TABLE IF NOT EXISTS {db}.case_events
      (
        event_id String,
        case_id String,
        at DateTime64(3, 'UTC'),
        kind LowCardinality(String),
        actor LowCardinality(String),
        state LowCardinality(String),
        assignee LowCardinality(String),
        outcome LowCardinality(String),
        subject_kind LowCardinality(String),
        subject_id String,
        details String
      )
      ENGINE = MergeTree
      PARTITION BY toYYYYMM(at)
      ORDER BY (case_id, at, event_id)
      TTL toDateTime(at) + INTERVAL 5 YEAR
      SETTINGS ${DEDUP}`,
    ],
  },
  {
    version: 10,
    name: 'settlement holds in transactions',
    statements: [
      // A reviewed payment approved for the payer with its settlement held (docs/cases.md). The
      // column is what was decided; releases are case events (kind settlement_released), so the
      // row is never updated.
      `ALTER TABLE {db}.transactions ADD COLUMN IF NOT EXISTS settlement_held UInt8 DEFAULT 0`,
    ],
  },
  {
    version: 11,
    name: "the presented QR's warnings in transactions",
    statements: [
      // What the paid QR did that EMVCo does not allow but moves no money (switch/qr/warnings.ts):
      // its distinct warning codes, so the QRs printed out of specification can be found.
      `ALTER TABLE {db}.transactions ADD COLUMN IF NOT EXISTS qr_warnings Array(LowCardinality(String)) DEFAULT []`,
    ],
  },
  {
    version: 12,
    name: 'the fourth direction: local payments inside an overseas market',
    statements: [
      // Before the switch called them `local` (switch/routing.ts), an overseas wallet paying a
      // merchant of its own market was stored as `cross-market` with corridor "TH-TH". Such a
      // row's two countries are never the home market's: the home market's merchants were
      // always `inbound`. `direction` is LowCardinality(String), so the new value needs no
      // ALTER of the type; no aggregate table keys on direction (transactions_per_minute
      // has none), so only the rows are relabelled. The mutation rewrites the one column of
      // the parts holding such rows and is waited for, so the reports are consistent once
      // the platform answers. Run again it finds nothing to change: that is also the remedy
      // for the rows an upgrade lets through after it ran (a node still on the old version,
      // or tap-stream entries it wrote before it stopped): run this statement once more when
      // every node runs this version and the writers have caught up.
      `ALTER TABLE {db}.transactions UPDATE direction = 'local'
      WHERE direction = 'cross-market'
        AND notEmpty(splitByChar('-', corridor)[1])
        AND splitByChar('-', corridor)[1] = splitByChar('-', corridor)[2]
      SETTINGS mutations_sync = 2`,
    ],
  },
];
