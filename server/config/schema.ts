import Type, { type Static } from 'typebox';

/** The JSON config file: participants, merchants, operators, FX and limits. */

const Id = Type.String({ pattern: '^[a-z0-9][a-z0-9.-]{1,62}$' });
const Country = Type.String({ pattern: '^[A-Z]{2}$' });
const CurrencyCode = Type.String({ pattern: '^[A-Z]{3}$' });
const DecimalString = Type.String({ pattern: '^\\d{1,15}(\\.\\d{1,8})?$' });

export const ParticipantSchema = Type.Object(
  {
    id: Id,
    name: Type.String({ minLength: 1, maxLength: 100 }),
    kind: Type.Union([Type.Literal('overseas_wallet'), Type.Literal('domestic_wallet'), Type.Literal('acquirer')]),
    country: Country,
    currency: CurrencyCode,
    secret: Type.String({ minLength: 32, maxLength: 256 }),
    /** Where the gateway delivers this participant's alerts (POST, signed), if anywhere. */
    webhookUrl: Type.Optional(Type.String({ pattern: '^https?://[^\\s]{1,2000}$' })),
    /** Acquirers: the 8-digit IIN their merchants' UnionPay QR codes carry. */
    iin: Type.Optional(Type.String({ pattern: '^\\d{8}$' })),
    /** Wallets: every payment must carry the payer's name (`payer.name`), else 422 PAYER_NAME_REQUIRED. Default false. */
    requirePayerName: Type.Optional(Type.Boolean()),
    /**
     * Wallets: every payment of this wallet that risk reviews is approved for the payer with
     * its settlement held (`settlementHeld`) until its case is closed without suspicion or an
     * officer releases it (docs/cases.md). Default false: only the rules that say so hold.
     */
    holdSettlement: Type.Optional(Type.Boolean()),
    /** Wallets: the simulated issuer's opening balance and limits, in the wallet's currency. */
    issuer: Type.Optional(
      Type.Object(
        { openingBalance: DecimalString, perPaymentLimit: DecimalString, dailyLimit: DecimalString },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const MerchantSchema = Type.Object(
  {
    id: Id,
    name: Type.String({ minLength: 1, maxLength: 25 }),
    /** Name in the merchant's own language, carried in the QR's alternate-language template. */
    localName: Type.Optional(Type.String({ minLength: 1, maxLength: 25 })),
    mcc: Type.String({ pattern: '^\\d{4}$' }),
    country: Country,
    city: Type.String({ minLength: 1, maxLength: 15 }),
    currency: CurrencyCode,
    acquirer: Id,
    network: Type.Union([Type.Literal('unionpay'), Type.Literal('wechatpay')]),
    /** The merchant number its QR carries: 15 characters in UnionPay tag 15, or sub-ID 01 of the network template. */
    accountId: Type.String({ pattern: '^[A-Za-z0-9]{1,32}$' }),
  },
  { additionalProperties: false },
);

export const UserSchema = Type.Object(
  {
    username: Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{1,62}$' }),
    passwordHash: Type.String({ pattern: '^scrypt\\$' }),
    role: Type.Union([
      Type.Literal('risk_officer'),
      Type.Literal('compliance'),
      Type.Literal('participant_analyst'),
      Type.Literal('admin'),
    ]),
    participant: Type.Optional(Id),
  },
  { additionalProperties: false },
);

const WindowLimitSchema = Type.Object(
  {
    /** Requests admitted per window; the next one is answered 429 RATE_LIMITED. */
    max: Type.Integer({ minimum: 1, maximum: 100_000_000 }),
    windowMs: Type.Integer({ minimum: 100, maximum: 3_600_000 }),
  },
  { additionalProperties: false },
);

export const RateLimitsSchema = Type.Object(
  {
    /** Every request, by the address of the TCP peer (no proxy headers are trusted). */
    perIp: Type.Optional(WindowLimitSchema),
    /** Signed participant requests, by participant, counted once the signature and nonce are accepted. */
    perParticipant: Type.Optional(WindowLimitSchema),
  },
  { additionalProperties: false },
);

/**
 * How long the HTTP server waits for a client, and how many connections one client address
 * may hold open (server/http-timeouts.ts, server/plugins/connection-limit.ts). Each one left
 * out takes its default (DEFAULT_HTTP_LIMITS there).
 */
export const HttpLimitsSchema = Type.Object(
  {
    /** The whole header block of a request must have arrived within this, counted from its first byte (or from the connection). */
    headersTimeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 300_000 })),
    /** The whole request, headers and body, must have arrived within this. */
    requestTimeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000 })),
    /** An idle keep-alive connection is closed after this. */
    keepAliveTimeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000 })),
    /** How often the server looks for requests past their timeouts: a timeout fires up to this late. */
    timeoutCheckIntervalMs: Type.Optional(Type.Integer({ minimum: 10, maximum: 30_000 })),
    /** Open connections per client address; more are closed as they are accepted. */
    maxConnectionsPerAddress: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  },
  { additionalProperties: false },
);

export const ConfigFileSchema = Type.Object(
  {
    mode: Type.Union([Type.Literal('development'), Type.Literal('production')]),
    gateway: Type.Object(
      {
        /** Forwarding IIN written into tag 15 of every UnionPay QR the gateway issues. */
        forwardingIin: Type.String({ pattern: '^\\d{8}$' }),
        /** GUID of the template (tag 26) that carries WeChat Pay merchants reached through the gateway. */
        wechatPayGuid: Type.String({ minLength: 1, maxLength: 32 }),
        homeCountry: Country,
      },
      { additionalProperties: false },
    ),
    fx: Type.Object(
      {
        base: CurrencyCode,
        /** Units of each currency per one unit of `base`. */
        rates: Type.Record(Type.String({ pattern: '^[A-Z]{3}$' }), DecimalString),
      },
      { additionalProperties: false },
    ),
    payments: Type.Object(
      {
        /**
         * How long a participant's txnId is remembered for idempotent retries. Fractions of an
         * hour are allowed (0.05 is 3 minutes), for soaks that must see Redis's memory level off.
         */
        idempotencyTtlHours: Type.Number({ minimum: 0.01, maximum: 24 * 90 }),
        /** How long after a payment a reversal is still accepted. */
        reversalWindowMinutes: Type.Integer({ minimum: 1, maximum: 24 * 60 }),
        /** How long payments stay queryable through GET /v1/payments/{id} from the switch's store. */
        retentionDays: Type.Integer({ minimum: 1, maximum: 400 }),
        /**
         * How long Redis keeps a payment's compact state, so that it can be refunded or
         * reversed; past it the payment is answered from ClickHouse only. Default: the retention.
         */
        followUpWindowMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 400 * 24 * 60 })),
        /**
         * The most authorisations (payments, refunds, reversals) one node works on at once;
         * more wait in line (admissionQueueMs) or are answered 503 OVERLOADED. The node's limit adapts below it to the
         * latency of its answers, not below 64 (server/plugins/admission-limit.ts). Default 256.
         */
        maxInFlight: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
        /**
         * How long an authorisation that finds the node full may wait in line for a place
         * before 503 OVERLOADED (at most as many waiting as the limit); 0 refuses at once.
         * Default 250.
         */
        admissionQueueMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
      },
      { additionalProperties: false },
    ),
    auth: Type.Object(
      {
        maxClockSkewMs: Type.Integer({ minimum: 1000, maximum: 15 * 60_000 }),
        bodyLimitBytes: Type.Integer({ minimum: 1024, maximum: 1_048_576 }),
      },
      { additionalProperties: false },
    ),
    risk: Type.Optional(
      Type.Object(
        {
          /**
           * A total score at or above this is reviewed; at or above declineAt, declined. They seed
           * Redis's thresholds (risk:thresholds) when it holds none; from then on an approved change
           * set changes them (docs/rules.md, "Governance"), and a changed file does not.
           */
          reviewAt: Type.Integer({ minimum: 1, maximum: 1000 }),
          declineAt: Type.Integer({ minimum: 1, maximum: 1000 }),
          /** An approved payment with at least this score still raises an alert. */
          alertScore: Type.Integer({ minimum: 1, maximum: 1000 }),
          /** Budget of the whole risk step; past it the fallback decides. */
          deadlineMs: Type.Integer({ minimum: 1, maximum: 5000 }),
          fallback: Type.Object(
            {
              approveBelowUsd: Type.Number({ minimum: 0 }),
              otherwise: Type.Union([Type.Literal('review'), Type.Literal('decline')]),
            },
            { additionalProperties: false },
          ),
          /** The in-process velocity state (docs/scaling.md). */
          state: Type.Optional(
            Type.Object(
              {
                /** History replayed from ClickHouse on start (profiles and devices look back 30 days). Default 31. */
                historyDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 60 })),
                /** How often a node publishes what it observed to the other switch nodes. Default 50. */
                deltaIntervalMs: Type.Optional(Type.Integer({ minimum: 5, maximum: 1000 })),
                /** How long a starting node waits for the rebuild before it takes payments (by the failure policy). Default 30000. */
                warmUpWaitMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000 })),
                /** How often the state is written to DATA_DIR/risk-state/ (and on a clean stop). Default 300000. */
                snapshotEveryMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 24 * 3600_000 })),
              },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    ingest: Type.Optional(
      Type.Object(
        {
          /** Rows per ClickHouse insert at most. */
          batchSize: Type.Integer({ minimum: 1, maximum: 100_000 }),
          /** How long a batch waits to fill before it is inserted anyway. */
          maxWaitMs: Type.Integer({ minimum: 10, maximum: 60_000 }),
        },
        { additionalProperties: false },
      ),
    ),
    /** Minute monitors of corridors and participants against their own history (analytics/monitors/monitor-config.ts). */
    monitors: Type.Optional(
      Type.Object(
        {
          enabled: Type.Boolean(),
          settleSeconds: Type.Integer({ minimum: 0, maximum: 59 }),
          historyDays: Type.Integer({ minimum: 1, maximum: 90 }),
          historyWindowMinutes: Type.Integer({ minimum: 0, maximum: 180 }),
          minHistoryPoints: Type.Integer({ minimum: 3, maximum: 100_000 }),
          minVolume: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
          zScoreThreshold: Type.Number({ minimum: 1, maximum: 100 }),
          robustScoreThreshold: Type.Number({ minimum: 1, maximum: 100 }),
          groupGapMinutes: Type.Integer({ minimum: 1, maximum: 24 * 60 }),
        },
        { additionalProperties: false },
      ),
    ),
    /**
     * Requests per fixed window, counted in Redis and shared by every node (server/plugins/rate-limit.ts):
     * per client address on every route, and per participant on signed requests. Either limit
     * left out takes its default (DEFAULT_RATE_LIMITS there).
     */
    rateLimits: Type.Optional(RateLimitsSchema),
    /** Timeouts and per-address connection bounds of the HTTP server. */
    http: Type.Optional(HttpLimitsSchema),
    /**
     * Monitoring's access to /metrics and to /health's details (server/plugins/monitoring-access.ts):
     * the bearer token a Prometheus scrape or a health dashboard sends. Without it, only an
     * admin operator's session reads them. Public /health stays a bare up/down answer.
     */
    monitoring: Type.Optional(
      Type.Object(
        {
          token: Type.String({ minLength: 32, maxLength: 256, pattern: '^[A-Za-z0-9._~+/-]+=*$' }),
        },
        { additionalProperties: false },
      ),
    ),
    /**
     * When a payment's commit may be answered (switch/durability.ts): `everysec` (the AOF
     * fsynced about once a second; the development default), `always` (fsynced before the
     * answer; the production default) or `replica` (`replicas` replicas acknowledged it within
     * `replicaTimeoutMs`; needs REDIS_URL).
     */
    redis: Type.Optional(
      Type.Object(
        {
          durability: Type.Optional(Type.Union([Type.Literal('everysec'), Type.Literal('always'), Type.Literal('replica')])),
          replicas: Type.Optional(Type.Integer({ minimum: 1, maximum: 16 })),
          // Below the shared connection's 1 s command timeout, which the commands queued behind a WAIT also count against.
          replicaTimeoutMs: Type.Optional(Type.Integer({ minimum: 10, maximum: 800 })),
        },
        { additionalProperties: false },
      ),
    ),
    /** Scheduled reports (analytics/reports/schedules/): files older than retentionDays are deleted (default 30). */
    reports: Type.Optional(
      Type.Object(
        {
          retentionDays: Type.Integer({ minimum: 1, maximum: 3650 }),
        },
        { additionalProperties: false },
      ),
    ),
    /**
     * Name screening (docs/screening.md): the lists loaded at start when Redis holds no version
     * of them yet (`path` relative to the working directory), the score at or above which a
     * candidate is a hit, and the largest list an upload may be.
     */
    screening: Type.Optional(
      Type.Object(
        {
          lists: Type.Optional(
            Type.Array(
              Type.Object(
                {
                  name: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,39}$' }),
                  path: Type.String({ minLength: 1, maxLength: 1000 }),
                },
                { additionalProperties: false },
              ),
              { maxItems: 50 },
            ),
          ),
          /** Default 0.85. */
          threshold: Type.Optional(Type.Number({ minimum: 0.5, maximum: 1 })),
          /** Bytes of one list, by upload or file. Default 536870912 (512 MiB). */
          maxListBytes: Type.Optional(Type.Integer({ minimum: 1024, maximum: 1024 * 1024 * 1024 })),
          /**
           * Where names are matched: `main` (default), on the main thread within the risk step;
           * `thread`, on a thread of its own holding the lists (off the main thread's heap),
           * the payer's name handed over at the payment's arrival so the match overlaps its
           * first Redis call. BENCHMARKS.md compares the two (docs/screening.md).
           */
          matchOn: Type.Optional(Type.Union([Type.Literal('thread'), Type.Literal('main')])),
          /** With `thread`: a name not answered within this many ms is decided as degraded, and the thread started again. Default 250. */
          answerWithinMs: Type.Optional(Type.Integer({ minimum: 10, maximum: 10_000 })),
        },
        { additionalProperties: false },
      ),
    ),
    /**
     * Investigations (docs/cases.md): when the platform opens a case by itself. Default: every
     * decline's alert, any alert of the reportable typologies' rules (structuring, mule fan-in
     * and fan-out, screening hits), any critical alert, and 3 alerts about one subject within 24 hours.
     */
    cases: Type.Optional(
      Type.Object(
        {
          policy: Type.Optional(Type.Object(
            {
              enabled: Type.Boolean(),
              onDecline: Type.Boolean(),
              minSeverity: Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high'), Type.Literal('critical'), Type.Literal('')]),
              rules: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }), { maxItems: 200 })),
              alertsInWindow: Type.Optional(
                Type.Object(
                  { count: Type.Integer({ minimum: 2, maximum: 1000 }), minutes: Type.Integer({ minimum: 1, maximum: 30 * 24 * 60 }) },
                  { additionalProperties: false },
                ),
              ),
            },
            { additionalProperties: false },
          )),
          /**
           * The SLA clock of a case (docs/cases.md): its deadline `workingDays` working days after it
           * opens (default 5), a warning at the start of the `warnDays`-th last working day (default
           * 1), in the calendar's time zone (default Asia/Shanghai, Monday-Friday, no holidays: list
           * the year's holidays and make-up working days), swept every `sweepSeconds` (default 15).
           * Escalations are also posted to `webhookUrl`, signed with `webhookSecret`.
           */
          sla: Type.Optional(
            Type.Object(
              {
                workingDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 60 })),
                warnDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 60 })),
                calendar: Type.Optional(
                  Type.Object(
                    {
                      timeZone: Type.String({ minLength: 1, maxLength: 64 }),
                      workdays: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { minItems: 1, maxItems: 7, uniqueItems: true })),
                      holidays: Type.Optional(Type.Array(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), { maxItems: 2000 })),
                      extraWorkdays: Type.Optional(Type.Array(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), { maxItems: 2000 })),
                    },
                    { additionalProperties: false },
                  ),
                ),
                sweepSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
                webhookUrl: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 2000 })),
                webhookSecret: Type.Optional(Type.String({ minLength: 32, maxLength: 256 })),
              },
              { additionalProperties: false },
            ),
          ),
          /**
           * Round-robin assignment per queue: a case the policy opens goes to the next officer of
           * `risk`, a submitted STR's case to the next of `compliance` (never its drafter), an
           * escalated case to the next of `escalations`. A queue left out is assigned by hand.
           */
          assignment: Type.Optional(
            Type.Object(
              {
                risk: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 200, uniqueItems: true })),
                compliance: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 200, uniqueItems: true })),
                escalations: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 200, uniqueItems: true })),
              },
              { additionalProperties: false },
            ),
          ),
          /** Who files the STRs. Default: the gateway, its forwarding IIN as code, its home country. */
          reportingInstitution: Type.Optional(
            Type.Object(
              { name: Type.String({ minLength: 1, maxLength: 256 }), code: Type.String({ minLength: 1, maxLength: 64 }), country: Country },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    participants: Type.Array(ParticipantSchema, { minItems: 1 }),
    merchants: Type.Array(MerchantSchema),
    users: Type.Array(UserSchema),
  },
  { additionalProperties: false },
);

export type ConfigFile = Static<typeof ConfigFileSchema>;
export type ParticipantConfig = Static<typeof ParticipantSchema>;
export type MerchantConfig = Static<typeof MerchantSchema>;
export type UserConfig = Static<typeof UserSchema>;
export type RateLimitsConfig = Static<typeof RateLimitsSchema>;
export type WindowLimit = Static<typeof WindowLimitSchema>;
export type HttpLimitsConfig = Static<typeof HttpLimitsSchema>;
