import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { REPOSITORY_ROOT } from '../../../bench/platform-process.ts';

/**
 * Debian's chromium driven by playwright-core: never a downloaded browser, headless, and a
 * fresh profile per launch so no state leaks from one run to the next.
 */
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const ARTIFACTS_DIR = path.join(REPOSITORY_ROOT, 'test-artifacts', 'console');

export interface Chromium {
  context: BrowserContext;
  /** A new tab: its own sessionStorage, so its own console login. */
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Chromium> {
  const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'cpg-chromium-'));
  // launchPersistentContext is how playwright takes a --user-data-dir of our choosing.
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    viewport: { width: 1440, height: 900 },
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  return {
    context,
    newPage: () => context.newPage(),
    async close() {
      await context.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot under test-artifacts/console/ and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Uncaught exceptions of the page's scripts and everything the page's Content Security Policy
 * refused (chromium reports each refusal as a console error), collected for a final `toEqual([])`.
 */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/.test(message.text())) errors.push(`CSP: ${message.text()}`);
  });
  return errors;
}

export interface ConsoleUser {
  username: string;
  password: string;
}

/**
 * Opens the console, logs in through the form and waits for the alerts page (a participant
 * analyst lands on its participant page: the alerts are one click away).
 */
export async function logIn(page: Page, baseUrl: string, user: ConsoleUser): Promise<void> {
  await page.goto(`${baseUrl}/console/`);
  await page.locator('#username').fill(user.username);
  await page.locator('#password').fill(user.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('.page-alerts, .page-participant').first().waitFor();
  if ((await page.locator('.page-alerts').count()) === 0) await page.getByRole('link', { name: 'Alerts', exact: true }).click();
  await page.locator('.page-alerts').waitFor();
  await waitForAlertsLoaded(page);
}

/** The alerts table has its first answer from GET /v1/alerts. */
export async function waitForAlertsLoaded(page: Page): Promise<void> {
  await page.waitForFunction(() => /alerts? shown/.test(document.querySelector('.page-summary')?.textContent ?? ''));
}

/** The console's live socket is connected. */
export async function waitForLive(page: Page): Promise<void> {
  await page.locator('#live-state[data-state="live"]').waitFor();
}
