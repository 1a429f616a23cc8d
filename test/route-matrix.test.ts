import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monitoringHeaders } from '../bench/monitoring.ts';
import { registeredRoutes } from '../server/app.ts';
import { sign } from '../server/auth/signature.ts';
import { devCredentials, secretOf, startTestPlatform } from './support/platform.ts';

/*
 * The role x route matrix: every route the app registers has an
 * explicit decision for every kind of caller. A route added without a decision, a
 * decision for a route that is gone, or a caller let in (or kept out) against the
 * decision fails this file.
 *
 * Outcomes are classes: `deny-401` (not authenticated), `deny-403` (authenticated, not
 * allowed), `allow` (anything else below 500: the request got past authentication and
 * authorisation, even if it then failed validation or found nothing). Each probe sends a
 * plausible path and body, and mutating probes aim at ids that do not exist (or at
 * bodies the handler refuses), so the walk changes nothing a later cell relies on.
 *
 * Not a fastify route, so not here: socket.io's `/socket.io/` handshake, authenticated in
 * `io.use` and covered by test/live-feed.test.ts.
 */

type OperatorRole = 'risk_officer' | 'compliance' | 'participant_analyst' | 'admin';
/** `monitoring`: the config's monitoring token (a Prometheus scrape), a credential for monitoring only. */
type Caller = 'anonymous' | 'wallet' | 'acquirer' | 'monitoring' | OperatorRole;
type Outcome = 'allow' | 'deny-401' | 'deny-403';

const OPERATOR_ROLES: readonly OperatorRole[] = ['risk_officer', 'compliance', 'participant_analyst', 'admin'];
const CALLERS: readonly Caller[] = ['anonymous', 'wallet', 'acquirer', 'monitoring', ...OPERATOR_ROLES];
const PARTICIPANT_OF: Partial<Record<Caller, string>> = { wallet: 'siam-wallet', acquirer: 'huaxia-acquiring' };
/** siam.analyst is bound to siam-wallet, the wallet caller: its own participant's data exists. */
const USERNAME_OF: Record<OperatorRole, string> = {
  risk_officer: 'risk.officer',
  compliance: 'compliance',
  participant_analyst: 'siam.analyst',
  admin: 'admin',
};
const isOperator = (c: Caller): c is OperatorRole => (OPERATOR_ROLES as readonly string[]).includes(c);

/* ---- what each route expects ---- */

type Expectation = { public: string } | Record<Caller, Outcome>;

const publicRoute = (reason: string): Expectation => ({ public: reason });

/** Operator routes: a bearer token of one of these roles; a signature is no credential here. */
function operators(...allowed: OperatorRole[]): Expectation {
  const cells = { anonymous: 'deny-401', wallet: 'deny-401', acquirer: 'deny-401', monitoring: 'deny-401' } as Record<Caller, Outcome>;
  for (const role of OPERATOR_ROLES) cells[role] = allowed.includes(role) ? 'allow' : 'deny-403';
  return cells;
}
const ALL_OPERATORS: OperatorRole[] = [...OPERATOR_ROLES];

/** Participant routes: a signature only; a bearer token is no credential here. */
function participants(wallet: Outcome, acquirer: Outcome): Expectation {
  const cells = { anonymous: 'deny-401', wallet, acquirer, monitoring: 'deny-401' } as Record<Caller, Outcome>;
  for (const role of OPERATOR_ROLES) cells[role] = 'deny-401';
  return cells;
}

/** Analytics: a signed participant (its own data) or any operator (scoped by role inside). */
const participantsAndOperators: Expectation = {
  anonymous: 'deny-401', wallet: 'allow', acquirer: 'allow', monitoring: 'deny-401',
  risk_officer: 'allow', compliance: 'allow', participant_analyst: 'allow', admin: 'allow',
};

/* ---- what each caller sends ---- */

interface Fixtures {
  /** A static QR of m-cn-0001, a huaxia-acquiring merchant. */
  qr: string;
  /** Approved siam-wallet payments at m-cn-0001, one per route that acts on a payment. */
  paymentToRead: string;
  paymentToRefund: string;
  paymentToReverse: string;
}
interface Probe {
  path: string;
  body?: unknown;
}
type ProbeOf = (caller: Caller, f: Fixtures) => Probe;

interface Entry {
  expect: Expectation;
  probe: ProbeOf;
  /** Operators log in afresh for this cell: the request ends the token it carries. */
  freshToken?: true;
}

const at = (path: string, body?: unknown): ProbeOf => () => ({ path, body });

const WINDOW = 'from=2025-01-01T00:00:00Z&to=2025-01-02T00:00:00Z';
/** A participant asks for itself; an operator names siam-wallet (the analyst's own). */
const analytics = (path: string): ProbeOf => (caller) => ({
  path: `${path}?${WINDOW}${isOperator(caller) ? '&participant=siam-wallet' : ''}`,
});
const payer = () => {
  const walletId = `w-matrix-${randomUUID()}`;
  return { walletId, userId: `u-${walletId}`, deviceId: `d-${walletId}`, ip: '203.0.113.7', country: 'TH', location: { lat: 31.23, lon: 121.47 } };
};
const paymentBody = (qr: string) => ({ txnId: randomUUID(), qr: { payload: qr }, amount: { value: '10.00', currency: 'CNY' }, payer: payer() });

const NO_ALERT = 'alt_matrixNoSuchAlert';
const NO_CASE = 'case_000000000000000000000000';
const NO_STR = 'str_00000000000000000000000000';
const NO_SET = 'cs_000000000000000000000000';
const NO_RULE = 'matrix-no-such-rule';
const NO_LIST = 'matrix-no-such-list';
const NO_JOB = 'backtest-00000000-0000-0000-0000-000000000000';
const NO_SCHEDULE = 'matrix-no-such-schedule';
const DOCS = 'the OpenAPI UI (docs/api.md: GET /docs): describes the interface, holds no data';

/**
 * The matrix. Keys are `METHOD URL` as registered; every GET's HEAD twin is expected too
 * and walked with the GET's probe and expectation.
 */
const MATRIX: Record<string, Entry> = {
  /* public */
  // Public as a bare up/down; its details only with the monitoring token or an admin session (tested below).
  'GET /health': { expect: publicRoute('liveness for load balancers (docs/api.md): up or down, naming what is down'), probe: at('/health') },
  // The Prometheus scrape (docs/api.md): load, errors and refusals say how near its limits the node is.
  'GET /metrics': { expect: { ...(operators('admin') as Record<Caller, Outcome>), monitoring: 'allow' }, probe: at('/metrics') },
  'GET /openapi.json': { expect: publicRoute('the interface description every caller needs (docs/api.md)'), probe: at('/openapi.json') },
  'GET /docs': { expect: publicRoute(DOCS), probe: at('/docs') },
  // fastify reports the prefix route `/docs` once; only its HEAD twin reaches onRoute as `/docs/`.
  'HEAD /docs/': { expect: publicRoute(DOCS), probe: at('/docs/') },
  'GET /docs/json': { expect: publicRoute(DOCS), probe: at('/docs/json') },
  'GET /docs/yaml': { expect: publicRoute(DOCS), probe: at('/docs/yaml') },
  'GET /docs/static/index.html': { expect: publicRoute(DOCS), probe: at('/docs/static/index.html') },
  'GET /docs/static/swagger-initializer.js': { expect: publicRoute(DOCS), probe: at('/docs/static/swagger-initializer.js') },
  'GET /docs/static/*': { expect: publicRoute(DOCS), probe: at('/docs/static/swagger-ui.css') },
  'GET /': { expect: publicRoute('a redirect to the console'), probe: at('/') },
  'GET /console/*': { expect: publicRoute("the console's static files; every figure they show comes through authenticated routes"), probe: at('/console/index.html') },
  'GET /vendor/uplot/*': { expect: publicRoute('the chart library the console loads from this host (no CDN)'), probe: at('/vendor/uplot/uPlot.iife.min.js') },
  'GET /vendor/cytoscape/*': { expect: publicRoute("the graph library the console's investigation view loads from this host (no CDN)"), probe: at('/vendor/cytoscape/cytoscape.min.js') },
  'POST /v1/auth/login': {
    expect: publicRoute('how an operator gets a token: credentials in the body, throttled and audited'),
    probe: at('/v1/auth/login', { username: 'admin', password: 'admin-dev' }),
  },

  /* participants (signed) */
  'POST /v1/qr/decode': { expect: participants('allow', 'allow'), probe: (_c, f) => ({ path: '/v1/qr/decode', body: { payload: f.qr } }) },
  // Only acquirers have merchants: a wallet is refused (NOT_AN_ACQUIRER).
  'GET /v1/merchants': { expect: participants('deny-403', 'allow'), probe: at('/v1/merchants') },
  'POST /v1/merchants/:merchantId/qr': { expect: participants('deny-403', 'allow'), probe: at('/v1/merchants/m-cn-0001/qr', {}) },
  // Only wallets initiate payments (PARTICIPANT_NOT_A_WALLET).
  'POST /v1/payments': { expect: participants('allow', 'deny-403'), probe: (_c, f) => ({ path: '/v1/payments', body: paymentBody(f.qr) }) },
  // Both parties to the payment (payer's wallet, merchant's acquirer) may read it.
  'GET /v1/payments/:paymentId': { expect: participants('allow', 'allow'), probe: (_c, f) => ({ path: `/v1/payments/${f.paymentToRead}` }) },
  // Refunds come from the merchant's acquirer, reversals from the payer's wallet (FOLLOW_UP_NOT_ALLOWED).
  'POST /v1/payments/:paymentId/refund': {
    expect: participants('deny-403', 'allow'),
    probe: (_c, f) => ({ path: `/v1/payments/${f.paymentToRefund}/refund`, body: { amount: { value: '1.00', currency: 'CNY' } } }),
  },
  'POST /v1/payments/:paymentId/reverse': {
    expect: participants('allow', 'deny-403'),
    probe: (_c, f) => ({ path: `/v1/payments/${f.paymentToReverse}/reverse`, body: {} }),
  },

  /* analytics: participants and operators */
  'GET /v1/analytics/summary': { expect: participantsAndOperators, probe: analytics('/v1/analytics/summary') },
  'GET /v1/analytics/timeseries': { expect: participantsAndOperators, probe: analytics('/v1/analytics/timeseries') },
  'GET /v1/analytics/breakdown/:dimension': { expect: participantsAndOperators, probe: analytics('/v1/analytics/breakdown/corridor') },

  /* operators (bearer token) */
  'GET /v1/auth/me': { expect: operators(...ALL_OPERATORS), probe: at('/v1/auth/me') },
  'POST /v1/auth/logout': { expect: operators(...ALL_OPERATORS), probe: at('/v1/auth/logout'), freshToken: true },
  // A participant_analyst sees its own participant's payments only (404 for others).
  'GET /v1/ops/payments/:paymentId': { expect: operators(...ALL_OPERATORS), probe: (_c, f) => ({ path: `/v1/ops/payments/${f.paymentToRead}` }) },

  'GET /v1/alerts': { expect: operators(...ALL_OPERATORS), probe: at('/v1/alerts') },
  'GET /v1/alerts/:id': { expect: operators(...ALL_OPERATORS), probe: at(`/v1/alerts/${NO_ALERT}`) },
  'POST /v1/alerts/:id/ack': { expect: operators('risk_officer', 'admin'), probe: at(`/v1/alerts/${NO_ALERT}/ack`) },
  'POST /v1/alerts/:id/assign': { expect: operators('risk_officer', 'admin'), probe: at(`/v1/alerts/${NO_ALERT}/assign`, { to: 'risk.officer' }) },
  'POST /v1/alerts/:id/resolve': {
    expect: operators('risk_officer', 'admin'),
    probe: at(`/v1/alerts/${NO_ALERT}/resolve`, { disposition: 'legitimate', note: 'route matrix probe' }),
  },

  // Cases: risk officers, compliance and admins; a participant's analyst sees none of them.
  // Mutating probes aim at a case that does not exist (CASE_NOT_FOUND) or an alert that does not.
  'GET /v1/cases': { expect: operators('risk_officer', 'compliance', 'admin'), probe: at('/v1/cases') },
  'POST /v1/cases': { expect: operators('risk_officer', 'compliance', 'admin'), probe: at('/v1/cases', { alertIds: [NO_ALERT] }) },
  'GET /v1/cases/:id': { expect: operators('risk_officer', 'compliance', 'admin'), probe: at(`/v1/cases/${NO_CASE}`) },
  'GET /v1/cases/:id/timeline': { expect: operators('risk_officer', 'compliance', 'admin'), probe: at(`/v1/cases/${NO_CASE}/timeline`) },
  'POST /v1/cases/:id/assign': { expect: operators('risk_officer', 'compliance', 'admin'), probe: at(`/v1/cases/${NO_CASE}/assign`, { to: 'risk.officer' }) },
  'POST /v1/cases/:id/start': { expect: operators('risk_officer', 'compliance', 'admin'), probe: at(`/v1/cases/${NO_CASE}/start`) },
  'POST /v1/cases/:id/escalate': { expect: operators('risk_officer', 'compliance', 'admin'), probe: at(`/v1/cases/${NO_CASE}/escalate`, { reason: 'route matrix probe' }) },
  'POST /v1/cases/:id/notes': { expect: operators('risk_officer', 'compliance', 'admin'), probe: at(`/v1/cases/${NO_CASE}/notes`, { text: 'route matrix probe' }) },
  'POST /v1/cases/:id/close': { expect: operators('risk_officer', 'compliance', 'admin'), probe: at(`/v1/cases/${NO_CASE}/close`, { outcome: 'no_suspicion', note: 'route matrix probe' }) },
  'POST /v1/cases/:id/merge': { expect: operators('risk_officer', 'compliance', 'admin'), probe: at(`/v1/cases/${NO_CASE}/merge`, { from: 'case_ffffffffffffffffffffffff' }) },
  'POST /v1/cases/:id/settlement-release': { expect: operators('risk_officer', 'compliance', 'admin'), probe: at(`/v1/cases/${NO_CASE}/settlement-release`, { note: 'cleared' }) },

  'POST /v1/cases/:id/attachments': { expect: operators('risk_officer', 'compliance', 'admin'), probe: at(`/v1/cases/${NO_CASE}/attachments`, { note: 'not a file' }) },
  'GET /v1/cases/:id/attachments': { expect: operators('risk_officer', 'compliance', 'admin'), probe: at(`/v1/cases/${NO_CASE}/attachments`) },
  'GET /v1/cases/:id/attachments/:attachmentId': { expect: operators('risk_officer', 'compliance', 'admin'), probe: at(`/v1/cases/${NO_CASE}/attachments/${'0'.repeat(32)}`) },
  'GET /v1/cases/:id/investigation/history': { expect: operators('risk_officer', 'compliance', 'admin'), probe: at(`/v1/cases/${NO_CASE}/investigation/history`) },
  'GET /v1/cases/:id/investigation/counterparties': { expect: operators('risk_officer', 'compliance', 'admin'), probe: at(`/v1/cases/${NO_CASE}/investigation/counterparties`) },
  'GET /v1/cases/:id/investigation/network': { expect: operators('risk_officer', 'compliance', 'admin'), probe: at(`/v1/cases/${NO_CASE}/investigation/network`) },
  // STRs: compliance drafts, edits, submits, exports and files (admins too); only compliance approves or sends back.
  'POST /v1/strs': { expect: operators('compliance', 'admin'), probe: at('/v1/strs', { caseId: NO_CASE }) },
  'GET /v1/strs/:id': { expect: operators('risk_officer', 'compliance', 'admin'), probe: at(`/v1/strs/${NO_STR}`) },
  'GET /v1/cases/:id/strs': { expect: operators('risk_officer', 'compliance', 'admin'), probe: at(`/v1/cases/${NO_CASE}/strs`) },
  'PUT /v1/strs/:id': { expect: operators('compliance', 'admin'), probe: at(`/v1/strs/${NO_STR}`, { narrative: 'route matrix probe' }) },
  'POST /v1/strs/:id/submit': { expect: operators('compliance', 'admin'), probe: at(`/v1/strs/${NO_STR}/submit`) },
  'POST /v1/strs/:id/approve': { expect: operators('compliance'), probe: at(`/v1/strs/${NO_STR}/approve`) },
  'POST /v1/strs/:id/return': { expect: operators('compliance'), probe: at(`/v1/strs/${NO_STR}/return`, { comment: 'route matrix probe' }) },
  'POST /v1/strs/:id/correct': { expect: operators('compliance', 'admin'), probe: at(`/v1/strs/${NO_STR}/correct`) },
  'POST /v1/strs/:id/filing': { expect: operators('compliance', 'admin'), probe: at(`/v1/strs/${NO_STR}/filing`, { reference: 'route-matrix' }) },
  'GET /v1/strs/:id/export': { expect: operators('compliance', 'admin'), probe: at(`/v1/strs/${NO_STR}/export?format=xml`) },

  'GET /v1/rules': { expect: operators('risk_officer', 'compliance', 'admin'), probe: at('/v1/rules') },
  'GET /v1/rules/:id': { expect: operators('risk_officer', 'compliance', 'admin'), probe: at('/v1/rules/sanctioned-country') },
  // An empty body is not a rule: allowed callers get RULE_INVALID and nothing changes.
  'GET /v1/change-sets': { expect: operators('risk_officer', 'compliance', 'admin'), probe: at('/v1/change-sets') },
  'GET /v1/change-sets/:id': { expect: operators('risk_officer', 'compliance', 'admin'), probe: at(`/v1/change-sets/${NO_SET}`) },
  'POST /v1/change-sets': { expect: operators('risk_officer', 'admin'), probe: at('/v1/change-sets', { title: 'route matrix', changes: [{ kind: 'mode', ruleId: 'no-such-rule', mode: 'off' }] }) },
  'POST /v1/change-sets/rollback': { expect: operators('risk_officer', 'admin'), probe: at('/v1/change-sets/rollback', { toVersion: 'rs-999999' }) },
  'PUT /v1/change-sets/:id': { expect: operators('risk_officer', 'admin'), probe: at(`/v1/change-sets/${NO_SET}`, { title: 'route matrix', changes: [{ kind: 'mode', ruleId: 'no-such-rule', mode: 'off' }] }) },
  'POST /v1/change-sets/:id/submit': { expect: operators('risk_officer', 'admin'), probe: at(`/v1/change-sets/${NO_SET}/submit`, {}) },
  'POST /v1/change-sets/:id/approve': { expect: operators('risk_officer', 'admin'), probe: at(`/v1/change-sets/${NO_SET}/approve`) },
  'POST /v1/change-sets/:id/return': { expect: operators('risk_officer', 'admin'), probe: at(`/v1/change-sets/${NO_SET}/return`, { comment: 'route matrix' }) },
  'POST /v1/change-sets/:id/discard': { expect: operators('risk_officer', 'admin'), probe: at(`/v1/change-sets/${NO_SET}/discard`) },
  'GET /v1/change-sets/awaiting-ratification': { expect: operators('risk_officer', 'compliance', 'admin'), probe: at('/v1/change-sets/awaiting-ratification') },
  'POST /v1/change-sets/:id/emergency': { expect: operators('admin'), probe: at(`/v1/change-sets/${NO_SET}/emergency`, { reason: 'route matrix' }) },
  'GET /v1/change-sets/:id/shadow-hits': { expect: operators('risk_officer', 'compliance', 'admin'), probe: at(`/v1/change-sets/${NO_SET}/shadow-hits`) },
  'POST /v1/change-sets/:id/ratify': { expect: operators('risk_officer', 'admin'), probe: at(`/v1/change-sets/${NO_SET}/ratify`) },
  // Rule-set versions: read and compared by officers and compliance; a rollback drafts a change set, officers only.
  'GET /v1/rule-sets': { expect: operators('risk_officer', 'compliance', 'admin'), probe: at('/v1/rule-sets') },
  'GET /v1/rule-sets/:version': { expect: operators('risk_officer', 'compliance', 'admin'), probe: at('/v1/rule-sets/rs-999999') },
  'POST /v1/rule-sets/:version/rollback': { expect: operators('risk_officer', 'admin'), probe: at('/v1/rule-sets/rs-999999/rollback') },
  // `to` before `from`: allowed callers get BACKTEST_WINDOW_INVALID and no job starts.
  'POST /v1/rule-sets/compare': {
    expect: operators('risk_officer', 'compliance', 'admin'),
    probe: at('/v1/rule-sets/compare', { a: 'rs-1', b: 'rs-2', from: '2025-01-02T00:00:00Z', to: '2025-01-01T00:00:00Z' }),
  },
  'PUT /v1/rules/:id': { expect: operators('risk_officer', 'admin'), probe: at(`/v1/rules/${NO_RULE}`, {}) },
  'POST /v1/rules/:id/enable': { expect: operators('risk_officer', 'admin'), probe: at(`/v1/rules/${NO_RULE}/enable`) },
  'POST /v1/rules/:id/disable': { expect: operators('risk_officer', 'admin'), probe: at(`/v1/rules/${NO_RULE}/disable`) },
  'POST /v1/rules/:id/shadow': { expect: operators('risk_officer', 'admin'), probe: at(`/v1/rules/${NO_RULE}/shadow`) },
  'GET /v1/lists': { expect: operators('risk_officer', 'compliance', 'admin'), probe: at('/v1/lists') },
  'POST /v1/lists/:name': { expect: operators('risk_officer', 'admin'), probe: at(`/v1/lists/${NO_LIST}`, { values: ['w-matrix'] }) },
  'POST /v1/lists/:name/remove': { expect: operators('risk_officer', 'admin'), probe: at(`/v1/lists/${NO_LIST}/remove`, { values: ['w-matrix'] }) },
  'GET /v1/lists/:kind/:type': { expect: operators('risk_officer', 'compliance', 'admin'), probe: at('/v1/lists/block/wallet') },
  'GET /v1/lists/:kind/:type/export': { expect: operators('risk_officer', 'compliance', 'admin'), probe: at('/v1/lists/allow/ip/export') },
  // Sent as JSON, never as text/csv: an authorised caller is refused 415, and nothing is imported.
  'POST /v1/lists/:kind/:type/import': { expect: operators('risk_officer', 'admin'), probe: at('/v1/lists/block/wallet/import', { csv: 'value,reason' }) },
  // No reason: an authorised caller is refused 400, and nothing is blocked.
  'POST /v1/lists/block/:type/emergency': { expect: operators('risk_officer', 'admin'), probe: at('/v1/lists/block/wallet/emergency', { value: 'siam-wallet:w-matrix' }) },
  'GET /v1/lists/emergency-blocks': { expect: operators('risk_officer', 'compliance', 'admin'), probe: at('/v1/lists/emergency-blocks') },
  'POST /v1/lists/emergency-blocks/review': { expect: operators('risk_officer', 'admin'), probe: at('/v1/lists/emergency-blocks/review', { list: 'block:wallet', value: 'siam-wallet:w-none', decision: 'keep' }) },
  // `to` before `from`: allowed callers get BACKTEST_WINDOW_INVALID and no job starts.
  'POST /v1/rules/backtest': {
    expect: operators('risk_officer', 'admin'),
    probe: at('/v1/rules/backtest', { rules: [], from: '2025-01-02T00:00:00Z', to: '2025-01-01T00:00:00Z' }),
  },
  // Any operator may ask; each job kind names its readers inside (404 for the others).
  'GET /v1/jobs/:jobId': { expect: operators(...ALL_OPERATORS), probe: at(`/v1/jobs/${NO_JOB}`) },

  /* screening: false-positive allowances, officers only */
  'GET /v1/screening/allowances': { expect: operators('risk_officer', 'compliance', 'admin'), probe: at('/v1/screening/allowances') },
  // No reason: allowed callers get VALIDATION_FAILED and nothing is stored.
  'POST /v1/screening/allowances': {
    expect: operators('risk_officer', 'compliance', 'admin'),
    probe: at('/v1/screening/allowances', { subject: 'merchant:m-cn-0001', entityId: 'matrix-entity', expiresAt: '2099-01-01T00:00:00Z' }),
  },
  'DELETE /v1/screening/allowances/:id': { expect: operators('risk_officer', 'compliance', 'admin'), probe: at('/v1/screening/allowances/alw_00000000000000000000') },

  'GET /v1/reports': { expect: operators('compliance', 'risk_officer', 'admin'), probe: at('/v1/reports') },
  'POST /v1/reports/:name': { expect: operators('compliance', 'risk_officer', 'admin'), probe: at('/v1/reports/matrix-no-such-report', { params: {}, format: 'json' }) },
  'POST /v1/sql': { expect: operators('compliance'), probe: at('/v1/sql', { query: 'SELECT toUInt32(count()) AS n FROM cpg.transactions' }) },
  'GET /v1/sql/schema': { expect: operators('compliance'), probe: at('/v1/sql/schema') },

  /* screening lists: admins and compliance upload; risk officers also read and check */
  // No body: allowed callers get UNSUPPORTED_MEDIA_TYPE and no version is made.
  'PUT /v1/screening/lists/:name': { expect: operators('admin', 'compliance'), probe: at('/v1/screening/lists/matrix-no-such-list') },
  'GET /v1/screening/lists': { expect: operators('admin', 'compliance', 'risk_officer'), probe: at('/v1/screening/lists') },
  'POST /v1/screening/check': { expect: operators('admin', 'compliance', 'risk_officer'), probe: at('/v1/screening/check', { name: 'Kim Jong Un' }) },

  /* scheduled reports: compliance, risk officers and admins read; compliance and admins write */
  'GET /v1/report-schedules': { expect: operators('compliance', 'risk_officer', 'admin'), probe: at('/v1/report-schedules') },
  // An unknown report: allowed callers get SCHEDULE_REPORT_UNKNOWN and no schedule is written.
  'PUT /v1/report-schedules/:id': {
    expect: operators('compliance', 'admin'),
    probe: at(`/v1/report-schedules/${NO_SCHEDULE}`, { report: 'matrix-no-such-report', params: {}, cron: '0 6 * * *' }),
  },
  'DELETE /v1/report-schedules/:id': { expect: operators('compliance', 'admin'), probe: at(`/v1/report-schedules/${NO_SCHEDULE}`) },
  'POST /v1/report-schedules/:id/run': { expect: operators('compliance', 'admin'), probe: at(`/v1/report-schedules/${NO_SCHEDULE}/run`) },
  'GET /v1/report-files': { expect: operators('compliance', 'risk_officer', 'admin'), probe: at('/v1/report-files') },
  'GET /v1/report-files/:scheduleId/:file': {
    expect: operators('compliance', 'risk_officer', 'admin'),
    probe: at(`/v1/report-files/${NO_SCHEDULE}/corridor-flows-20250101T000000000Z.csv`),
  },
};

/** Every `METHOD URL` the matrix decides: its keys plus the HEAD twin of each GET. */
function decidedRoutes(): Map<string, { entry: Entry; method: string; url: string }> {
  const decided = new Map<string, { entry: Entry; method: string; url: string }>();
  for (const [key, entry] of Object.entries(MATRIX)) {
    const [method, url] = key.split(' ') as [string, string];
    decided.set(key, { entry, method, url });
    if (method === 'GET') decided.set(`HEAD ${url}`, { entry, method: 'HEAD', url });
  }
  return decided;
}

/* ---- the walk ---- */

const UPPER_SNAKE = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;

function outcomeOf(status: number): Outcome {
  return status === 401 ? 'deny-401' : status === 403 ? 'deny-403' : 'allow';
}

describe('role x route matrix', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  let app: FastifyInstance;
  let fixtures: Fixtures;
  const tokens = {} as Record<OperatorRole, string>;
  const passwords = new Map(devCredentials().users.map((u) => [u.username, u.password]));

  async function login(role: OperatorRole): Promise<string> {
    const username = USERNAME_OF[role];
    const r = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username, password: passwords.get(username) } });
    expect(r.statusCode, `login ${username}`).toBe(200);
    return r.json().token as string;
  }

  /** One request as this caller: no credentials, a participant's signature, or an operator's token. */
  async function send(method: string, probe: Probe, caller: Caller, token?: string) {
    const raw = probe.body === undefined ? '' : JSON.stringify(probe.body);
    const headers: Record<string, string> = {};
    if (raw !== '') headers['content-type'] = 'application/json';
    const participant = PARTICIPANT_OF[caller];
    if (participant) {
      const timestamp = String(Date.now());
      const nonce = randomUUID().replaceAll('-', '');
      headers['x-participant-id'] = participant;
      headers['x-timestamp'] = timestamp;
      headers['x-nonce'] = nonce;
      headers['x-signature'] = sign(secretOf(participant), { method, path: probe.path, timestamp, nonce, rawBody: raw });
    } else if (caller === 'monitoring') {
      Object.assign(headers, monitoringHeaders());
    } else if (token) {
      headers.authorization = `Bearer ${token}`;
    }
    return app.inject({ method: method as 'GET', url: probe.path, headers, ...(raw !== '' ? { payload: raw } : {}) });
  }

  /** Every caller against one route; returns what differs from the matrix, one line each. */
  async function walk(method: string, url: string, entry: Entry): Promise<string[]> {
    const problems: string[] = [];
    for (const caller of CALLERS) {
      const isPublic = 'public' in entry.expect;
      const expected: Outcome = 'public' in entry.expect ? 'allow' : entry.expect[caller];
      const token = isOperator(caller) ? (entry.freshToken ? await login(caller) : tokens[caller]) : undefined;
      const probe = entry.probe(caller, fixtures);
      const r = await send(method, probe, caller, token);
      const actual = outcomeOf(r.statusCode);
      const cell = `${method} ${url} as ${caller} (${method} ${probe.path})`;
      const said = r.body.slice(0, 160);
      if (actual !== expected) problems.push(`${cell}: expected ${expected}, got ${r.statusCode} ${said}`);
      else if (r.statusCode >= 500) problems.push(`${cell}: got past auth but failed with ${r.statusCode} ${said}`);
      else if (isPublic && r.statusCode >= 400) problems.push(`${cell}: a public route that does not serve: ${r.statusCode} ${said}`);
      if ((r.statusCode === 401 || r.statusCode === 403) && method !== 'HEAD') {
        let code: unknown;
        let message: unknown;
        try {
          ({ code, message } = (r.json() as { error: { code: unknown; message: unknown } }).error);
        } catch {
          code = undefined;
        }
        if (typeof code !== 'string' || !UPPER_SNAKE.test(code) || typeof message !== 'string' || message === '') {
          problems.push(`${cell}: ${r.statusCode} without the error shape { error: { code: UPPER_SNAKE, message } }: ${said}`);
        }
      }
    }
    return problems;
  }

  beforeAll(async () => {
    platform = await startTestPlatform();
    app = platform.app;
    await app.ready();
    for (const role of OPERATOR_ROLES) tokens[role] = await login(role);
    const qr = await send('POST', { path: '/v1/merchants/m-cn-0001/qr', body: {} }, 'acquirer');
    expect(qr.statusCode, qr.body).toBe(200);
    const payload = qr.json().payload as string;
    const pay = async () => {
      const r = await send('POST', { path: '/v1/payments', body: paymentBody(payload) }, 'wallet');
      expect([r.statusCode, r.json().status], r.body).toEqual([200, 'APPROVED']);
      return r.json().paymentId as string;
    };
    fixtures = { qr: payload, paymentToRead: await pay(), paymentToRefund: await pay(), paymentToReverse: await pay() };
  });
  afterAll(async () => platform?.stop());

  it('has a decision for every registered route and none for a route that is gone', () => {
    const registered = new Set(registeredRoutes(app).map((r) => `${r.method} ${r.url}`));
    const decided = decidedRoutes();
    const undecided = [...registered].filter((k) => !decided.has(k)).sort();
    const gone = [...decided.keys()].filter((k) => !registered.has(k)).sort();
    expect({ undecided, gone }).toEqual({ undecided: [], gone: [] });
  });

  it('gives the details of /health to the monitoring token and admins only; anyone else gets up or down', async () => {
    for (const caller of CALLERS) {
      const r = await send('GET', { path: '/health' }, caller, isOperator(caller) ? tokens[caller] : undefined);
      const detailed = caller === 'monitoring' || caller === 'admin';
      expect([caller, r.statusCode], r.body).toEqual([caller, 200]);
      if (detailed) expect(r.json(), caller).toMatchObject({ status: 'ok', checks: { redis: { status: 'up' }, clickhouse: { status: 'up' } }, role: 'all', risk: { scored: expect.any(Number) } });
      else expect(r.json(), caller).toEqual({ status: 'ok' });
    }
    // A token that is neither says so, rather than quietly getting less.
    const unknown = await app.inject({ method: 'GET', url: '/health', headers: { authorization: `Bearer ${'x'.repeat(43)}` } });
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([401, 'AUTH_TOKEN_INVALID']);
  });

  it('keeps every answer but static files out of caches', async () => {
    for (const [path, caller] of [['/health', 'anonymous'], ['/metrics', 'monitoring'], ['/v1/auth/me', 'admin'], ['/v1/alerts', 'anonymous'], ['/openapi.json', 'anonymous'], ['/nowhere', 'anonymous']] as const) {
      const r = await send('GET', { path }, caller, isOperator(caller) ? tokens[caller] : undefined);
      expect([path, r.headers['cache-control']]).toEqual([path, 'no-store']);
    }
    const login = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: 'admin', password: passwords.get('admin') } });
    expect([login.statusCode, login.headers['cache-control']]).toEqual([200, 'no-store']);
    const wallet = await send('POST', { path: '/v1/payments', body: paymentBody(fixtures.qr) }, 'wallet');
    expect([wallet.statusCode, wallet.headers['cache-control']]).toEqual([200, 'no-store']);
    // The console's files may be cached, and revalidated.
    const file = await app.inject({ method: 'GET', url: '/console/index.html' });
    expect(file.headers['cache-control']).toMatch(/max-age/);
  });

  for (const [key, { entry, method, url }] of decidedRoutes()) {
    if (method === 'HEAD' && MATRIX[`GET ${url}`]) continue;
    const twin = method === 'GET' ? ' (and HEAD)' : '';
    const who = 'public' in entry.expect ? `is public: ${entry.expect.public}` : 'admits exactly the callers the matrix names';
    it(`${key}${twin} ${who}`, async () => {
      const registered = new Set(registeredRoutes(app).map((r) => `${r.method} ${r.url}`));
      expect(registered.has(key), `${key} is not registered`).toBe(true);
      const problems = await walk(method, url, entry);
      if (method === 'GET') problems.push(...(await walk('HEAD', url, entry)));
      expect(problems).toEqual([]);
    });
  }
});
