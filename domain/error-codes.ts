/**
 * Every code the platform refuses or fails with, and what it means: the one catalogue.
 * `DomainError.code` is typed by it, so a code that is not here does not compile; the HTTP
 * status of each lives in server/ (error-statuses.ts), which is the only layer that speaks HTTP.
 * Codes are stable: participants and the console act on them. Add one, never rename one.
 */
export const ERROR_CODES = {
  // The request itself: its shape, its transport, the node's capacity.
  VALIDATION_FAILED: "the request does not match the route's schema; the message names the field",
  INVALID_JSON: 'the body is not JSON, or is empty where JSON is expected',
  MALFORMED_UNICODE: 'the body is not UTF-8, or a string in it holds a lone UTF-16 surrogate',
  UNSUPPORTED_MEDIA_TYPE: 'the body is not application/json',
  BODY_TOO_LARGE: 'the body is larger than the platform reads',
  URL_INVALID: 'the URL or its query string does not decode: every %-escape must encode UTF-8',
  URL_TOO_LONG: 'a path segment of the URL is longer than the router reads',
  HEADER_INVALID: 'a signature or token header holds something other than visible ASCII',
  HEADERS_TOO_LARGE: 'the request headers are larger than the server reads; the connection is closed',
  REQUEST_TIMEOUT: 'the headers or the body did not arrive in time; the connection is closed',
  BAD_REQUEST: 'not valid HTTP, or another client error the framework found (with its own 4xx status)',
  NOT_FOUND: 'no route has this method and path',
  RATE_LIMITED: "the caller's address or participant passed its limit for the window; see Retry-After",
  TOO_MANY_CONNECTIONS: 'a client address behind a trusted proxy has as many requests in progress as it may',
  OVERLOADED: 'the node is working on as many authorisations as it admits; send again shortly (Retry-After)',
  DEPENDENCY_DOWN: 'Redis (or, on /health, a dependency) is not answering; send the same request again shortly',
  INTERNAL: 'an unexpected failure; logged on the node, never detailed in the answer',

  // Participant signatures.
  AUTH_HEADERS_MISSING: 'a signed request lacks X-Participant-Id, X-Timestamp, X-Nonce or X-Signature',
  AUTH_UNKNOWN_PARTICIPANT: 'X-Participant-Id names no participant of this gateway',
  AUTH_TIMESTAMP_INVALID: 'X-Timestamp is not unix milliseconds',
  AUTH_TIMESTAMP_SKEW: "X-Timestamp is further from the gateway's clock than the config's auth.maxClockSkewMs",
  AUTH_NONCE_INVALID: 'X-Nonce is not 8 to 128 characters of [A-Za-z0-9_-]',
  AUTH_NONCE_REUSED: 'X-Nonce was already used by this participant',
  AUTH_BAD_SIGNATURE: 'X-Signature does not match the request',
  AUTH_AMBIGUOUS: 'the request carries both a participant signature and a bearer token',
  AUTH_REQUIRED: 'the route takes a participant signature or a bearer token, and the request has neither',

  // Operators: sessions, roles, logins, the live feed.
  AUTH_TOKEN_MISSING: 'Authorization: Bearer <token> is required',
  AUTH_TOKEN_INVALID: 'the bearer token is unknown, expired or ended (also the live feed refusing a socket)',
  AUTH_INVALID_CREDENTIALS: 'unknown username or wrong password',
  LOGIN_THROTTLED: 'too many failed logins for this username in the window; see Retry-After',
  LOGIN_ADDRESS_THROTTLED: 'too many failed logins from this address in the window; see Retry-After',
  LOGIN_BUSY: 'the node is checking as many passwords as it admits; try again in a second',
  FORBIDDEN_ROLE: "the operator's role may not do this (or the token is not the monitoring token)",
  FORBIDDEN_PARTICIPANT: 'an operator bound to a participant asked for another one',
  NAMESPACE_NOT_SERVED: 'the live feed serves the /console namespace only (a socket.io refusal, not an HTTP answer)',

  // Payments: who pays, the QR, the merchant, the amount, the txnId.
  PARTICIPANT_UNKNOWN: 'the paying participant is not in the configuration',
  PARTICIPANT_NOT_A_WALLET: 'only wallets initiate payments',
  NOT_AN_ACQUIRER: 'only acquirers have merchants',
  QR_MALFORMED: 'the QR payload is empty, too long, holds a control character or is not a sequence of EMVCo data objects',
  QR_CRC_MISSING: 'the QR payload does not end with its CRC (data object 63)',
  QR_CRC_MISMATCH: 'the CRC of the QR payload does not match its content; scan it again',
  QR_FORMAT_INDICATOR: 'the QR payload does not start with the payload format indicator (ID 00) "01"',
  QR_DUPLICATE_TAG: 'a data object appears twice in the QR payload',
  QR_MISSING_FIELD: 'a data object the QR must carry is missing',
  QR_FIELD_INVALID: 'a data object of the QR has a value its format does not allow',
  MERCHANT_UNKNOWN: 'the QR names no merchant registered with the gateway',
  MERCHANT_MISMATCH: "the QR's acquirer or forwarding IIN, currency, country, MCC or name differs from the registered merchant",
  MERCHANT_NOT_FOUND: "no such merchant among the acquirer's own",
  MERCHANT_MISCONFIGURED: 'the merchant lacks what its QR needs (acquirer IIN, currency): a configuration fault',
  DOMESTIC_PAYMENT_NOT_SUPPORTED: 'a home-market wallet paying a home-market merchant: not switched (an overseas wallet in its own market is `local`, and accepted)',
  CURRENCY_UNSUPPORTED: 'the merchant, wallet or payment currency is not one the gateway prices',
  FX_RATE_UNAVAILABLE: 'no rate between the currencies involved',
  FX_RATE_OUT_OF_RANGE: 'the cross rate falls outside Decimal(18, 8), which the gateway stores',
  AMOUNT_REQUIRED: 'a static QR carries no amount, and the request names none',
  AMOUNT_INVALID: "the amount is not a positive plain decimal with at most its currency's minor digits",
  AMOUNT_MISMATCH: 'the amount differs from the amount in the dynamic QR',
  AMOUNT_CURRENCY_MISMATCH: "the amount's currency is not the merchant's (or, for a refund, the payment's)",
  AMOUNT_OUT_OF_RANGE: 'an amount, paid or converted, is above the largest every store holds',
  SETTLEMENT_ROUNDS_TO_ZERO: "the payment or refund is worth less than one minor unit of the wallet's currency",
  TXN_ID_CONFLICT: 'this txnId was already used with another body',
  TXN_IN_PROGRESS: 'the first attempt with this txnId is still running after 3 s; send it again shortly',
  PROCESSING_TIMEOUT: 'the attempt took so long its txnId claim ran out before the commit: nothing was committed; send it again',
  PAYMENT_NOT_FOUND: 'no such payment among those the caller is party to (or its record has expired)',
  PAYER_NAME_REQUIRED: "the paying wallet's configuration requires the payer's name (payer.name) in every payment",

  // Refunds and reversals.
  FOLLOW_UP_NOT_ALLOWED: "refunds come from the merchant's acquirer, reversals from the payer's wallet",
  NOT_A_PAYMENT: 'only a payment can be refunded or reversed, not a refund or a reversal',
  ORIGINAL_NOT_APPROVED: 'only an approved payment can be refunded or reversed',
  ALREADY_REVERSED: 'the payment was already reversed',
  ALREADY_REFUNDED: 'a payment refunded in part or in full cannot be reversed',
  REVERSAL_WINDOW_CLOSED: 'the reversal window has closed; send a refund instead',
  REFUND_EXCEEDS_PAYMENT: 'the refunds would exceed the payment, or nothing of it is left to refund',

  // Alerts.
  ALERT_NOT_FOUND: 'no such alert, or not one the operator may see',
  ALERT_ALREADY_ACKNOWLEDGED: 'only an open alert can be acknowledged',
  ALERT_ALREADY_RESOLVED: 'a resolved alert takes no further action',
  ALERT_ACTION_UNKNOWN: 'the alert store does not know the action asked of it',
  ALERT_ACTION_FAILED: 'the alert store refused the action without saying why',
  UNKNOWN_ASSIGNEE: 'an alert is assigned to an operator who does not exist',

  // Cases.
  CASE_NOT_FOUND: 'no such case',
  CASE_CLOSED: 'a closed case takes no further action',
  CASE_ILLEGAL_TRANSITION: 'the case cannot do that from its state (open -> investigating -> pending_approval -> closed; escalated from open or investigating)',
  CASE_OUTCOME_UNKNOWN: 'the outcome is not str_filed, no_suspicion or false_positive',
  CASE_ACTION_UNKNOWN: 'the case store does not know the action asked of it',
  CASE_ACTION_FAILED: 'the case store refused the action without saying why',
  CASE_MERGE_SELF: 'a case cannot be merged into itself',
  CASE_OPEN_FOR_SUBJECT: 'the subject already has an open case: the message names it',
  ALERT_IN_CASE: 'an alert is already in an open case: the message names it',
  STR_NOT_APPROVED: 'a case is closed as str_filed only once its STR is approved',
  ATTACHMENT_TYPE_UNSUPPORTED: 'an attachment is PDF, PNG, JPEG, plain text or CSV, sent with that Content-Type',
  ATTACHMENT_TYPE_MISMATCH: 'the file is not what its Content-Type says (checked by its first bytes), or is empty',
  ATTACHMENT_TOO_LARGE: 'the attachment is larger than 10 MiB',
  ATTACHMENT_NAME_INVALID: 'X-File-Name is missing, longer than 200 characters, or holds a path or control characters',
  ATTACHMENT_NOT_FOUND: 'no such attachment on this case',
  STR_IN_PROGRESS: 'the case already has an STR drafted, submitted or sent back: the message names it',
  RULE_SET_VERSION_NOT_FOUND: 'no record of that rule-set version, or a rule version it needs is no longer stored',
  CHANGE_SET_NOT_FOUND: 'no change set with this id',
  CHANGE_SET_ILLEGAL_TRANSITION: 'the change set cannot do that from its state, which the message names (a draft is submitted, a submitted set approved)',
  CHANGE_SET_NOT_AUTHOR: 'only the author of a change set edits, submits or discards it',
  CHANGE_SET_CONFLICT: 'another open change set already changes one of these rules; the message names it',
  CHANGE_SET_STALE: 'a rule the change set changes moved since it was drafted; draft it again against the live rules',
  STR_SUPERSEDED: 'a later version already corrects this STR: correct the latest one; the message names it',
  SETTLEMENT_NOT_HELD: 'the case holds no such settlement: never held in this case, or released already; the message names the payment',
  STR_NOT_FOUND: 'no such STR',
  STR_NOT_EDITABLE: 'only a draft, or an STR sent back, can be edited; an approved STR never is',
  STR_ILLEGAL_TRANSITION: 'the STR cannot do that from its state (draft -> submitted -> approved, or sent back)',
  STR_ALREADY_FILED: "the STR's filing reference is already recorded",
  STR_ACTION_UNKNOWN: 'the STR store does not know the action asked of it',
  STR_INVALID: 'the STR misses or has a bad field: the message names each (field: problem)',
  FOUR_EYES_REQUIRED: 'the officer who drafted the STR cannot approve it or send it back: a second officer must',

  // Rules and risk lists.
  RULE_INVALID: 'a rule (or a candidate rule of a backtest) does not follow the rule format; `path` points at the fault',
  RULE_NOT_FOUND: 'no rule with this id',
  LIST_NOT_FOUND: 'no risk list with this name',
  LIST_VALUE_INVALID: "a value does not have the list's format; `path` points at it",
  LIST_ENTRY_INVALID: "a typed list entry is malformed: its value does not have the list's format, no reason, an expiry in the past",
  LIST_IMPORT_INVALID: 'a list import has a bad header or bad lines (listed by line number); nothing was imported',
  LIST_IMPORT_TOO_LARGE: 'a list import has more than 1,000,000 rows or bytes past the limit; nothing was imported',
  SHADOW_PERIOD_NOT_FOUND: 'the change set had no shadow period: submit it with shadowHours',
  LIST_ENTRY_NOT_FOUND: 'no such entry on that list (for a review: no emergency block of it waits for review)',

  // Screening lists.
  SCREENING_LIST_NOT_UTF8: 'a line of the screening list is not UTF-8 text; `line` points at it',
  SCREENING_LIST_INVALID_JSON: 'a line of the screening list is not one JSON object; `line` points at it',
  SCREENING_LIST_ENTITY_INVALID: 'a list entity lacks its id, schema or name, repeats an id, or has a property not a list of strings; `line` points at it',
  SCREENING_LIST_TOO_LARGE: 'the screening list passes a bound: its bytes, a line, its entities or the names of one entity',
  SCREENING_LIST_EMPTY: 'the screening list holds no entity of a screened schema (Person, Organization, Company, LegalEntity, ...)',
  SCREENING_LIST_UPLOAD_BUSY: 'another screening list upload is being read on this node (each holds the whole list in memory); send it again once that one is answered',
  SCREENING_ALLOWANCE_INVALID: 'a false-positive allowance names no payer or merchant subject, or its expiry is past or more than 365 days ahead',
  SCREENING_ALLOWANCE_NOT_FOUND: 'no false-positive allowance with this id',
  SCREENING_UNAVAILABLE: 'the screening thread did not answer in time or is reloading the live lists after a restart; ask again in a few seconds',

  // Backtests and jobs.
  BACKTEST_WINDOW_INVALID: '`to` is not after `from`',
  BACKTEST_WINDOW_TOO_LONG: 'the window is longer than a backtest replays (31 days)',
  JOB_NOT_FOUND: 'no such job, or not one the operator may see',

  // Reports, scheduled reports and their files.
  REPORT_UNKNOWN: 'no report with this name; GET /v1/reports lists them',
  REPORT_PARAMS_INVALID: "the parameters do not match the report's schema; `path` points at the fault",
  REPORT_TIMEOUT: 'the report ran past its time limit',
  REPORT_FAILED: 'ClickHouse failed to run the report',
  REPORT_TOO_LARGE: 'a JSON report passed 64 MiB: nothing of it is returned; ask for CSV or Parquet',
  SCHEDULE_ID_INVALID: 'a schedule id is 1 to 63 characters of [a-z0-9-], not starting with a hyphen',
  SCHEDULE_NOT_FOUND: 'no schedule with this id',
  SCHEDULE_REPORT_UNKNOWN: 'the schedule names no report of the catalog',
  SCHEDULE_WINDOW_INVALID: 'the window is not { "lastDays": N } or { "lastHours": N } within bounds, or too wide for the report',
  SCHEDULE_PARAMS_INVALID: "the parameters, with the window resolved, do not match the report's schema",
  SCHEDULE_CRON_INVALID: 'the cron pattern is not five valid fields, or never fires',
  SCHEDULE_TIMEZONE_INVALID: 'the time zone is not an IANA zone',
  REPORT_FILE_NAME_INVALID: 'the file name is not one a scheduled run writes',
  REPORT_FILE_NOT_FOUND: 'no such report file; GET /v1/report-files lists them',
  REPORT_WRITE_FAILED: "a scheduled run could not write its file (a job's failure, not an HTTP answer)",

  // Read-only SQL.
  SQL_INVALID: 'the statement does not parse, or cannot run (unknown column, wrong types, FORMAT)',
  SQL_MULTIPLE_STATEMENTS: 'more than one statement',
  SQL_NOT_READ_ONLY: 'anything but one plain SELECT: a write, SET, SYSTEM, INTO OUTFILE, a SETTINGS clause',
  SQL_TABLE_FORBIDDEN: 'a table, view or database outside the analytics tables',
  SQL_FUNCTION_FORBIDDEN: 'a table function, or a function outside the allowed ones',
  SQL_LIMIT_EXCEEDED: 'the time, result rows, result bytes or memory limit was reached: nothing is returned',
  SQL_RESULT_TOO_LARGE: 'the JSON answer passed 16 MiB: the statement was stopped, nothing is returned',
  SQL_BUSY: 'too many ad-hoc statements are already running on this node',

  // Participant analytics.
  ANALYTICS_FORBIDDEN: 'a participant or bound operator asked for another participant',
  ANALYTICS_PARTICIPANT_REQUIRED: 'an operator must name the participant in `participant`',
  ANALYTICS_PARTICIPANT_UNKNOWN: 'no such participant',
  ANALYTICS_WINDOW_INVALID: '`from` and `to` are not ISO 8601 times with a zone, between 2000 and 2200, `to` after `from`',
  ANALYTICS_WINDOW_TOO_LONG: 'the window is longer than analytics answer for',
  ANALYTICS_TOO_MANY_POINTS: 'the bucket asked for gives too many points over the window; choose a coarser one',
  ANALYTICS_BUCKET_INVALID: 'the bucket is not one of minute, hour or day',
  ANALYTICS_LIMIT_INVALID: 'the breakdown limit is above its maximum',
} as const satisfies Record<string, string>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}
