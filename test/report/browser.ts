/**
 * The HTML reports in a real browser: Debian's /usr/bin/chromium driven by playwright-core
 * (no browser download). A missing chromium fails the test (under CI=true the message says
 * CI must provide it): the browser tests never skip.
 *
 * {@link openPage} writes a page to a temporary folder, opens it from file:// and records
 * what a report must never do: console errors, page errors, dialogs, requests other than the
 * page itself (every other request is routed and aborted), and Content-Security-Policy
 * violations (through an init script of the test's own, which the page's policy does not
 * govern).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { requireBinary } from '../lab/harness.js';

/**
 * The few browser globals the tests use inside `page.evaluate` callbacks (which run in the
 * page): the project compiles without the DOM library, so that src/ cannot use it by
 * mistake. Each browser test file declares `window`, `document` and `getComputedStyle`
 * with these types.
 */
export interface DomElement {
  readonly attributes: Iterable<{ readonly name: string }>;
  getAttribute(name: string): string | null;
  textContent: string | null;
  src: string;
  open: boolean;
  append(...nodes: unknown[]): void;
}

/** See {@link DomElement}. */
export interface DomDocument {
  createElement(tag: string): DomElement;
  readonly head: DomElement;
  readonly body: DomElement;
  readonly scripts: { readonly length: number };
  querySelectorAll(selector: string): Iterable<DomElement> & { readonly length: number };
  readonly title: string;
  addEventListener(
    type: 'securitypolicyviolation',
    fn: (e: { effectiveDirective: string; blockedURI: string }) => void,
  ): void;
}

/** See {@link DomElement}. */
export type ComputedStyle = (el: unknown) => { backgroundColor: string; display: string };

declare const window: Record<string, unknown>;
declare const document: DomDocument;

/** Debian's Chromium (scripts/setup.sh installs it). */
export const CHROMIUM = '/usr/bin/chromium';

/** Launch the system Chromium headless (once per test file). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: requireBinary(CHROMIUM),
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}

/** A temporary folder for pages and screenshots, removed by `remove()`. */
export function tempFolder(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** An opened page and what it did. */
export interface Opened {
  readonly page: Page;
  readonly url: string;
  /** Console messages of type error, and uncaught page errors. */
  readonly errors: string[];
  /** Every request the page made (the page's own file:// URL included). */
  readonly requests: string[];
  /** Requests other than the page itself: aborted. */
  readonly blocked: string[];
  /** Messages of dialogs (alert, confirm, prompt), dismissed. */
  readonly dialogs: string[];
  /** CSP violations: `directive blocked-uri`. */
  violations(): Promise<string[]>;
  close(): Promise<void>;
}

/** Write `html` as `<dir>/<name>.html` and open it in a fresh context (1200 px wide). */
export async function openPage(
  browser: Browser,
  dir: string,
  name: string,
  html: string,
): Promise<Opened> {
  const file = join(dir, `${name}.html`);
  writeFileSync(file, html);
  const url = pathToFileURL(file).href;
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  const requests: string[] = [];
  const blocked: string[] = [];
  const dialogs: string[] = [];
  await context.route('**/*', (route) => {
    const u = route.request().url();
    if (u === url) return route.continue();
    blocked.push(u);
    return route.abort();
  });
  await context.addInitScript(() => {
    const seen: string[] = [];
    window.__violations = seen;
    document.addEventListener('securitypolicyviolation', (e) => {
      seen.push(`${e.effectiveDirective} ${e.blockedURI}`);
    });
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => requests.push(r.url()));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(url, { waitUntil: 'load' });
  return {
    page,
    url,
    errors,
    requests,
    blocked,
    dialogs,
    violations: () => page.evaluate(() => window.__violations as string[]),
    close: () => context.close(),
  };
}
