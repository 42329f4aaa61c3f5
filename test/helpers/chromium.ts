import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Request, type Response } from 'playwright-core';

/** Debian's Chromium; tests never download a browser. */
export const CHROMIUM_PATH = process.env.AERIE_CHROMIUM ?? '/usr/bin/chromium';

const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** A headless Chromium with its own fresh profile; `close()` also removes the profile. */
export interface ChromiumSession {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Launches Debian's Chromium headless with a fresh `--user-data-dir`. */
export async function launchChromium(): Promise<ChromiumSession> {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(
      `${CHROMIUM_PATH} is missing: install it with 'apt-get install -y chromium' (npm test's pretest does this as root)`,
    );
  const profile = mkdtempSync(join(tmpdir(), 'aerie-chromium-'));
  // launchPersistentContext is Playwright's way to pass --user-data-dir.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: FLAGS,
    timeout: 60_000,
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Every request a browser context makes, and the ones that failed or got a 4xx/5xx (with the reason). */
export interface RequestLog {
  urls: string[];
  failed: string[];
  /** Requests the page's Content-Security-Policy stopped in the browser: they never left it. */
  blocked: string[];
  /** URLs that left the browser for somewhere other than `origin` (data: and blob: stay in the page). */
  external(origin: string): string[];
  stop(): void;
}

/** Records every request and every failed request of `context` from now on. */
export function recordRequests(context: BrowserContext): RequestLog {
  const urls: string[] = [];
  const failed: string[] = [];
  const onRequest = (r: Request) => urls.push(r.url());
  const blocked: string[] = [];
  const onFailed = (r: Request) => {
    const reason = r.failure()?.errorText ?? 'failed';
    if (/^csp$|BLOCKED_BY_CSP/i.test(reason)) blocked.push(r.url());
    else failed.push(`${r.url()}: ${reason}`);
  };
  const onResponse = (r: Response) => {
    if (r.status() >= 400) failed.push(`${r.url()}: HTTP ${r.status()}`);
  };
  context.on('request', onRequest);
  context.on('requestfailed', onFailed);
  context.on('response', onResponse);
  return {
    urls,
    failed,
    blocked,
    external: (origin) =>
      urls.filter(
        (u) => !u.startsWith(`${origin}/`) && !/^(data|blob):/.test(u) && !blocked.includes(u),
      ),
    stop: () => {
      context.off('request', onRequest);
      context.off('requestfailed', onFailed);
      context.off('response', onResponse);
    },
  };
}
