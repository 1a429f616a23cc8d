import { api, configureApi } from './api.js';
import { el, replace } from './dom.js';
import { ROLE_NAMES } from './format.js';
import { connectLive } from './live.js';
import * as alertDetailPage from './pages/alert-detail.js';
import * as alertsPage from './pages/alerts.js';
import * as caseDetailPage from './pages/case-detail.js';
import * as casesPage from './pages/cases.js';
import * as changeSetDetailPage from './pages/change-set-detail.js';
import * as changeSetsPage from './pages/change-sets.js';
import * as listsPage from './pages/lists.js';
import * as loginPage from './pages/login.js';
import * as overviewPage from './pages/overview.js';
import * as participantPage from './pages/participant.js';
import * as reportsPage from './pages/reports.js';
import * as ruleEditPage from './pages/rule-edit.js';
import * as rulesPage from './pages/rules.js';
import * as screeningPage from './pages/screening.js';
import { clearSession, loadSession, permissionsOf, saveSession } from './session.js';

/**
 * The console's shell: hash routes to pages, the session of this tab, its live socket,
 * and the top bar. A page is `render(view, context)` returning its clean-up function.
 */
const ROUTES = [
  { path: /^\/login$/, page: loginPage, public: true },
  { path: /^\/alerts$/, page: alertsPage, nav: 'alerts' },
  { path: /^\/alerts\/([A-Za-z0-9_-]+)$/, page: alertDetailPage, nav: 'alerts' },
  { path: /^\/cases$/, page: casesPage, nav: 'cases', allowed: (p) => p.workCases },
  { path: /^\/cases\/(case_[a-f0-9]{24})$/, page: caseDetailPage, nav: 'cases', allowed: (p) => p.workCases },
  { path: /^\/overview$/, page: overviewPage, nav: 'overview' },
  { path: /^\/rules$/, page: rulesPage, nav: 'rules', allowed: (p) => p.seeRules },
  { path: /^\/rules\/([a-z0-9-]+)$/, page: ruleEditPage, nav: 'rules', allowed: (p) => p.seeRules },
  { path: /^\/change-sets$/, page: changeSetsPage, nav: 'change-sets', allowed: (p) => p.seeRules },
  { path: /^\/change-sets\/(cs_[a-f0-9]{24})$/, page: changeSetDetailPage, nav: 'change-sets', allowed: (p) => p.seeRules },
  { path: /^\/lists$/, page: listsPage, nav: 'lists', allowed: (p) => p.seeRules },
  { path: /^\/participant$/, page: participantPage, nav: 'participant' },
  { path: /^\/reports$/, page: reportsPage, nav: 'reports', allowed: (p) => p.runReports },
  { path: /^\/screening$/, page: screeningPage, nav: 'screening', allowed: (p) => p.screenNames },
];
const NAV = [
  { id: 'alerts', label: 'Alerts', href: '#/alerts' },
  { id: 'cases', label: 'Cases', href: '#/cases', allowed: (p) => p.workCases },
  { id: 'overview', label: 'Overview', href: '#/overview' },
  { id: 'participant', label: 'Participant', href: '#/participant' },
  { id: 'reports', label: 'Reports', href: '#/reports', allowed: (p) => p.runReports },
  { id: 'rules', label: 'Rules', href: '#/rules', allowed: (p) => p.seeRules },
  { id: 'change-sets', label: 'Change sets', href: '#/change-sets', allowed: (p) => p.seeRules },
  { id: 'lists', label: 'Lists', href: '#/lists', allowed: (p) => p.seeRules },
  { id: 'screening', label: 'Screening', href: '#/screening', allowed: (p) => p.screenNames },
];
const LIVE_STATES = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Live feed offline',
  refused: 'Live feed refused',
};

const view = document.getElementById('view');
let session = loadSession();
let live;
let leavePage = () => {};
let expiryTimer;
/** Said once on the login page, e.g. why the session ended. */
let loginNotice = '';

configureApi({ token: () => session?.token, onUnauthorized: () => logOut('Your session has ended. Please log in again.') });

function startSession(next) {
  session = next;
  saveSession(session);
  openSessionResources();
}

function openSessionResources() {
  live?.close();
  live = connectLive({ token: session.token, onUnauthorized: () => logOut('Your session has ended. Please log in again.') });
  live.on('state', renderLiveState);
  renderLiveState();
  clearTimeout(expiryTimer);
  const left = Date.parse(session.expiresAt ?? '') - Date.now();
  if (Number.isFinite(left)) expiryTimer = setTimeout(() => logOut('Your session expired. Please log in again.'), Math.min(left, 2 ** 31 - 1));
}

function logOut(notice = '') {
  if (!session) return;
  session = undefined;
  clearSession();
  clearTimeout(expiryTimer);
  live?.close();
  live = undefined;
  loginNotice = notice;
  navigate('#/login');
}

export function navigate(hash, { replace: replaceEntry = false } = {}) {
  if (location.hash === hash) return route();
  if (replaceEntry) {
    history.replaceState(null, '', hash);
    return route();
  }
  location.hash = hash;
}

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, query = ''] = raw.split('?');
  return { path, query: new URLSearchParams(query) };
}

function route() {
  const { path, query } = parseHash();
  let match;
  const entry = ROUTES.find((r) => (match = r.path.exec(path)));
  const permissions = permissionsOf(session);
  if (!entry) return navigate(session ? permissions.landing : '#/login', { replace: true });
  if (!entry.public && !session) return navigate('#/login', { replace: true });
  if (entry.page === loginPage && session) return navigate(permissions.landing, { replace: true });
  leavePage();
  leavePage = () => {};
  renderTopbar(entry.nav, permissions);
  view.replaceChildren();
  if (entry.allowed && !entry.allowed(permissions)) {
    view.append(el('div', { class: 'page' }, el('div', { class: 'notice notice-error' }, 'Your role cannot open this page.')));
    return;
  }
  const context = {
    session,
    permissions,
    live,
    params: match.slice(1),
    query,
    navigate,
    logIn: (next) => {
      startSession(next);
      navigate(permissionsOf(next).landing);
    },
    takeLoginNotice: () => {
      const notice = loginNotice;
      loginNotice = '';
      return notice;
    },
    setTitle: (title) => {
      document.title = `${title} · CPG operator console`;
    },
  };
  try {
    leavePage = entry.page.render(view, context) ?? (() => {});
  } catch (e) {
    console.error(e);
    view.append(el('div', { class: 'notice notice-error' }, `This page failed to open: ${e.message}`));
  }
}

function renderTopbar(active, permissions) {
  const topbar = document.getElementById('topbar');
  topbar.hidden = !session;
  if (!session) return;
  const items = NAV.filter((item) => !item.allowed || item.allowed(permissions));
  // The role's landing page first; the others keep their order (the sort is stable).
  items.sort((a, b) => Number(b.href === permissions.landing) - Number(a.href === permissions.landing));
  replace(
    document.getElementById('nav'),
    items.map((item) => el('a', { href: item.href, class: 'nav-link', attrs: item.id === active ? { 'aria-current': 'page' } : {} }, item.label)),
  );
  replace(
    document.getElementById('whoami'),
    el('span', { class: 'whoami-user', dataset: { testid: 'whoami-user' } }, session.username),
    el('span', { class: 'whoami-role', dataset: { testid: 'whoami-role' } }, ROLE_NAMES[session.role] ?? session.role),
    session.participant ? el('span', { class: 'whoami-participant', title: 'You see this participant only' }, session.participant) : null,
  );
}

function renderLiveState() {
  const node = document.getElementById('live-state');
  const state = live?.state ?? 'offline';
  node.className = `live-state live-state-${state}`;
  node.dataset.state = state;
  replace(node, el('span', { class: 'live-dot', attrs: { 'aria-hidden': 'true' } }), LIVE_STATES[state] ?? state);
}

// The session ends on the server first, so its token is refused and its live sockets close on
// every console node; the tab forgets it even when the platform does not answer.
async function logOutEverywhere() {
  if (!session) return;
  try {
    await api('/v1/auth/logout', { method: 'POST' });
  } catch {
    // Already ended (401, handled by the API layer) or no answer: this tab forgets it all the same.
  }
  logOut('');
}

document.getElementById('logout').addEventListener('click', () => void logOutEverywhere());
window.addEventListener('hashchange', route);
if (session) openSessionResources();
route();
