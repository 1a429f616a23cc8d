/**
 * Who is logged in in this tab. The token lives in sessionStorage: it dies with the tab
 * and is never shared with another one.
 */
const KEY = 'cpg.console.session';

export function loadSession() {
  let session;
  try {
    session = JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
  } catch {
    session = null;
  }
  if (!session || typeof session.token !== 'string' || typeof session.role !== 'string') return undefined;
  if (session.expiresAt && Date.parse(session.expiresAt) <= Date.now()) {
    clearSession();
    return undefined;
  }
  return session;
}

export function saveSession(session) {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function clearSession() {
  sessionStorage.removeItem(KEY);
}

const WORKERS = new Set(['risk_officer', 'admin']);
const REPORT_READERS = new Set(['compliance', 'risk_officer', 'admin']);
const SCREENING_OFFICERS = new Set(['compliance', 'risk_officer', 'admin']);
const CASE_WORKERS = new Set(['risk_officer', 'compliance', 'admin']);
const STR_DRAFTERS = new Set(['compliance', 'admin']);

/** What a role may do in the console; the server enforces the same rules, this only hides buttons. */
export function permissionsOf(session) {
  const role = session?.role;
  return {
    actOnAlerts: WORKERS.has(role),
    editRules: WORKERS.has(role),
    seeRules: role !== undefined && role !== 'participant_analyst',
    filterByParticipant: role !== undefined && role !== 'participant_analyst',
    runReports: REPORT_READERS.has(role),
    /** The screening page: list versions, the test box, false-positive allowances. */
    screenNames: SCREENING_OFFICERS.has(role),
    /** Cases: the list, a case's page, its actions and investigation; never a participant's analyst. */
    workCases: CASE_WORKERS.has(role),
    /** Draft, edit and submit an STR, record its filing, export it once approved. */
    draftStrs: STR_DRAFTERS.has(role),
    /** Approve an STR or send it back: compliance only, and never its own drafter (the server checks that). */
    approveStrs: role === 'compliance',
    /** Where the console opens: a participant analyst's own analytics, everyone else's alerts. */
    landing: role === 'participant_analyst' ? '#/participant' : '#/alerts',
  };
}
