import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type PlatformProcess } from '../../bench/platform-process.ts';
import { openapiUiStyleHashes } from '../../server/plugins/openapi-ui.ts';
import { collectPageErrors, launchChromium, logIn, screenshot, waitForLive, type Chromium } from './support/chromium.ts';
import { devUser, pay, preparePayers, type Payers } from './support/operator-api.ts';

/**
 * The console and the OpenAPI UI under a Content Security Policy without 'unsafe-inline': every
 * page works with nothing refused, and what an injection would need (an inline script, a style
 * attribute) is refused by the browser itself.
 */
const admin = devUser('admin');

/** The policy's sources for one directive, e.g. `script-src`. */
function directive(csp: string, name: string): string[] {
  const found = csp.split(';').map((d) => d.trim().split(/\s+/)).find(([n]) => n === name);
  return found?.slice(1) ?? [];
}

/** Every page of the console an admin sees, each waited for by what shows it has its data. */
const PAGES: Array<{ link: string; ready: string }> = [
  { link: 'Overview', ready: '.page-overview .tile' },
  { link: 'Participant', ready: '.page-participant' },
  { link: 'Reports', ready: '.page-reports' },
  { link: 'Rules', ready: '.page-rules .rules-table tbody tr' },
  { link: 'Screening', ready: '.page-screening [data-testid="screening-lists"] tr[data-list]' },
  { link: 'Lists', ready: '.page-lists [data-testid="list-entries"] :is(.list-table, .empty)' },
  { link: 'Alerts', ready: '.page-alerts' },
];

async function visitEveryPage(page: Page): Promise<void> {
  for (const { link, ready } of PAGES) {
    await page.getByRole('link', { name: link, exact: true }).click();
    await page.locator(ready).first().waitFor();
  }
}

describe('content security policy: no inline script or style', () => {
  let platform: PlatformProcess;
  let chromium: Chromium;
  let payers: Payers;

  beforeAll(async () => {
    platform = await startPlatform();
    chromium = await launchChromium();
    payers = await preparePayers(platform.url);
    // Some traffic, so the overview's bars and tiles have widths and colours to set.
    for (let i = 0; i < 6; i++) expect((await pay(payers, i % 2 ? 'siam-wallet' : 'panda-wallet', i % 2 ? 'TH' : 'CN')).status).toBe(200);
  }, 180_000);

  afterAll(async () => {
    await payers?.close();
    await chromium?.close();
    await platform?.stop();
  });

  it('allows neither inline scripts nor inline styles, on the console, the API and the OpenAPI UI', async () => {
    // The OpenAPI UI's logo is an SVG with a <style>: that one style, by its hash, on /docs only.
    const uiStyles = openapiUiStyleHashes();
    expect(uiStyles.length).toBeGreaterThan(0);
    for (const [url, styles] of [
      ['/console/', []],
      ['/v1/alerts', []],
      ['/health', []],
      ['/docs', uiStyles],
      ['/docs/static/swagger-ui-bundle.js', uiStyles],
    ] as const) {
      const response = await fetch(`${platform.url}${url}`);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp, url).not.toBe('');
      expect(csp, url).not.toContain("'unsafe-inline'");
      expect(csp, url).not.toContain("'unsafe-eval'");
      expect(directive(csp, 'script-src'), url).toEqual(["'self'"]);
      expect(directive(csp, 'style-src'), url).toEqual(["'self'", ...styles]);
      await response.body?.cancel();
    }
  });

  it('runs every console page with nothing refused by the policy', async () => {
    const page = await chromium.newPage();
    const errors = collectPageErrors(page);
    await logIn(page, platform.url, admin);
    await waitForLive(page);
    await visitEveryPage(page);
    // The overview's tiles and bars are styled from script, through the CSSOM.
    await page.getByRole('link', { name: 'Overview', exact: true }).click();
    const accent = await page.locator('.page-overview .tile').first().evaluate((node) => (node as HTMLElement).style.getPropertyValue('--tile-accent'));
    expect(accent).not.toBe('');
    await screenshot(page, 'csp-overview');
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('refuses what an injection would need: an inline script, a style attribute, an inline <style>', async () => {
    const page = await chromium.newPage();
    const errors = collectPageErrors(page);
    await logIn(page, platform.url, admin);
    const outcome = await page.evaluate(async () => {
      const violations: string[] = [];
      document.addEventListener('securitypolicyviolation', (e) => violations.push(e.effectiveDirective));
      const script = document.createElement('script');
      script.textContent = 'window.__injected = true';
      document.head.append(script);
      const target = document.createElement('p');
      document.body.append(target);
      target.setAttribute('style', 'color: rgb(1, 2, 3)');
      const style = document.createElement('style');
      style.textContent = '#view { outline: 7px solid rgb(4, 5, 6) }';
      document.head.append(style);
      // CSSOM is what the console uses: allowed.
      const cssom = document.createElement('p');
      document.body.append(cssom);
      cssom.style.setProperty('color', 'rgb(7, 8, 9)');
      // Violation events are queued as tasks.
      await new Promise((r) => setTimeout(r, 100));
      return {
        injectedRan: (window as unknown as { __injected?: boolean }).__injected === true,
        attributeColour: getComputedStyle(target).color,
        inlineStyleOutline: getComputedStyle(document.getElementById('view')!).outlineColor,
        cssomColour: getComputedStyle(cssom).color,
        violations: [...new Set(violations)].sort(),
      };
    });
    expect(outcome).toEqual({
      injectedRan: false,
      attributeColour: expect.not.stringMatching(/rgb\(1, 2, 3\)/),
      inlineStyleOutline: expect.not.stringMatching(/rgb\(4, 5, 6\)/),
      cssomColour: 'rgb(7, 8, 9)',
      violations: ['script-src-elem', 'style-src-attr', 'style-src-elem'],
    });
    // The browser reported each refusal: the collector sees them (and would in any other test).
    expect(errors.filter((e) => e.startsWith('CSP:')).length).toBeGreaterThanOrEqual(3);
    await page.close();
  }, 60_000);

  it('runs the OpenAPI UI with nothing refused by the policy', async () => {
    const page = await chromium.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${platform.url}/docs`);
    await page.locator('.opblock').first().waitFor();
    await page.locator('.opblock-summary').first().click();
    await page.locator('.opblock-body').first().waitFor();
    expect(await page.locator('.opblock').count()).toBeGreaterThan(10);
    await screenshot(page, 'csp-openapi-ui');
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
