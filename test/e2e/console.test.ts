import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SETTING_KEYS } from '../../src-main/shared/settings.js';
import { AERIE_VERSION } from '../../src-main/shared/version.js';
import { launchChromium, recordRequests, type ChromiumSession } from '../helpers/chromium.js';
import { syntheticDeployment, syntheticNode } from '../helpers/console-fixtures.js';
import { ensureFreshBuild, startServe, type ServeProcess } from '../helpers/serve-process.js';
import { ConsolePage } from './pages/console-page.js';

let browser: ChromiumSession;

beforeAll(async () => {
  await ensureFreshBuild();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

async function newConsole(): Promise<ConsolePage> {
  const page: Page = await browser.context.newPage();
  return new ConsolePage(page);
}

async function putSettings(url: string, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${url}/api/settings`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}

describe('console served by aerie serve (loopback, trusted)', () => {
  let serve: ServeProcess;
  let ui: ConsolePage;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    serve = await startServe();
    ui = await newConsole();
    ui.page.on('pageerror', (e) => pageErrors.push(e.message));
    // Failed loads and CSP violations surface only as console errors.
    ui.page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    await ui.open(serve.url, 'settings');
  });

  afterAll(async () => {
    await ui?.page.close();
    await serve?.stop();
  });

  it('shows the Aerie version, a healthy status with its loops, and every setting', async () => {
    expect(await ui.version()).toBe(`v${AERIE_VERSION}`);
    await ui.waitForState('health-indicator', 'healthy');
    await ui.page.locator('[data-testid="loop-housekeeping"]').waitFor();
    expect(await ui.settingRows()).toBe(SETTING_KEYS.length);
    const shown = await ui.settingValues();
    expect(Object.keys(shown).sort()).toEqual([...SETTING_KEYS].sort());
    expect(shown).toMatchObject({
      gateway_enabled: 'on',
      default_port: '8001',
      default_gpu_fraction: '0.5',
      default_duration_choice: '43200',
      default_max_failed_restarts: '—',
      webhook_url: '(empty)',
      preferred_container_runtime: 'docker',
    });
    expect(pageErrors).toEqual([]);
  });

  it('applies a settings change made through the REST API live, without refetching the settings', async () => {
    await ui.waitForState('stream-indicator', 'live');
    const log = recordRequests(browser.context);
    try {
      await putSettings(serve.url, {
        expiry_warning_minutes: 45,
        gateway_enabled: false,
        webhook_url: 'http://hooks.lan/aerie',
      });
      await ui.waitForSetting('expiry_warning_minutes', '45');
      await ui.waitForSetting('gateway_enabled', 'off');
      await ui.waitForSetting('webhook_url', 'http://hooks.lan/aerie');
      expect(log.urls.filter((u) => u.includes('/api/settings'))).toEqual([]);
      expect(pageErrors).toEqual([]);
    } finally {
      log.stop();
    }
  });

  it('shows the stored values again after a reload and reconnects the event stream', async () => {
    await ui.page.reload({ waitUntil: 'domcontentloaded' });
    await ui.waitForSetting('expiry_warning_minutes', '45');
    await ui.waitForState('stream-indicator', 'live');
    await putSettings(serve.url, { expiry_warning_minutes: 50 });
    await ui.waitForSetting('expiry_warning_minutes', '50');
  });
});

describe('the virtualized deployments table', () => {
  it('renders the rows that fill its scroller, and follows a window resize and a scroll', async () => {
    const serve = await startServe();
    const page = await browser.context.newPage();
    try {
      const deployments = Array.from({ length: 400 }, (_, i) => syntheticDeployment(i + 1, 10));
      const nodes = Array.from({ length: 10 }, (_, i) => syntheticNode(i + 1));
      await page.route(/\/api\/deployments$/, (r) => r.fulfill({ json: deployments }));
      await page.route(/\/api\/nodes$/, (r) => r.fulfill({ json: nodes }));
      await page.setViewportSize({ width: 1440, height: 700 });
      await page.goto(`${serve.url}/#/deployments`);
      await page.locator('[data-testid="deployment-row-400"]').waitFor();
      const rows = page.locator('tr[data-model]');
      const scroller = page.locator('[data-testid="deployments-scroll"]');
      // The rendered rows reach past the scroller's bottom edge (no blank band), and the rows
      // below it are not rendered (at most the overscan).
      const filled = async () => {
        const box = await scroller.boundingBox();
        const last = await rows.last().boundingBox();
        if (!box || !last) return false;
        return last.y + last.height >= box.y + box.height;
      };
      const expectFilled = async () => {
        await expect.poll(filled, { timeout: 10_000 }).toBe(true);
        const box = await scroller.boundingBox();
        expect((await rows.count()) * 44).toBeLessThan((box?.height ?? 0) + 44 * 12);
      };
      await expectFilled();
      const short = await rows.count();
      await page.setViewportSize({ width: 1440, height: 1300 });
      await expectFilled();
      expect(await rows.count()).toBeGreaterThan(short + 5);
      // Sorted by id, newest first: 44 px rows, so 100 rows down shows deployment 300 at the top.
      await page.evaluate(
        `document.querySelector('[data-testid="deployments-scroll"]').scrollTop = ${44 * 100}`,
      );
      await expect.poll(() => page.locator('[data-testid="deployment-row-300"]').count()).toBe(1);
      await expectFilled();
      expect(await page.locator('[data-testid="deployment-row-400"]').count()).toBe(0);
    } finally {
      await page.close();
      await serve.stop();
    }
  });
});

describe('console event stream across a server restart', () => {
  it('shows Polling while the server is down and goes Live again with fresh values when it returns', async () => {
    const first = await startServe();
    const dataDir = first.dataDir;
    const port = String(first.port);
    const ui = await newConsole();
    let second: ServeProcess | undefined;
    try {
      await ui.open(first.url, 'settings');
      await ui.waitForState('stream-indicator', 'live');
      const firstExited = new Promise((r) => first.proc.once('exit', r));
      first.proc.kill('SIGTERM');
      await ui.waitForState('stream-indicator', 'polling');
      // The socket closes early in the shutdown; the data dir's lock is released at its end.
      await firstExited;
      // A change made while the console was disconnected must show after it reconnects.
      second = await startServe(['--port', port, '--data-dir', dataDir]);
      await putSettings(second.url, { busy_guard_seconds: 120 });
      await ui.waitForState('stream-indicator', 'live', 40_000);
      await ui.waitForSetting('busy_guard_seconds', '120', 20_000);
    } finally {
      await ui.page.close();
      await second?.stop();
      await first.stop();
    }
  });
});

describe('console from an untrusted network', () => {
  let serve: ServeProcess;

  beforeAll(async () => {
    // Loopback is not trusted here, so the browser is treated like a LAN machine without a token.
    serve = await startServe(['--trusted-networks', '10.255.255.0/24']);
  });

  afterAll(async () => {
    await serve?.stop();
  });

  it('asks for the admin token on 401, refuses a wrong one, and loads live once the right one is given', async () => {
    const ui = await newConsole();
    try {
      await ui.open(serve.url, 'settings');
      await ui.waitForState('token-prompt', 'asking');
      await ui.submitToken('not-the-admin-token-at-all');
      await ui.waitForState('token-prompt', 'rejected');
      expect(await ui.page.locator('[data-testid="settings-table"]').count()).toBe(0);
      const token = readFileSync(join(serve.dataDir, 'admin-token'), 'utf8').trim();
      await ui.submitToken(token);
      expect(await ui.settingRows()).toBe(SETTING_KEYS.length);
      await ui.waitForState('stream-indicator', 'live');
      await ui.tokenPrompt().waitFor({ state: 'detached' });
    } finally {
      await ui.page.close();
    }
  });
});
