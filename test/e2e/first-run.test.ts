// The first-run panel in real Chromium against a real `aerie serve`: tokens, the agent command
// with a working copy button, the demo node button, and the admin token kept from other machines.
import { readFileSync } from 'node:fs';

import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemSetupSchema } from '../../src-main/shared/system.js';
import { launchChromium, type ChromiumSession } from '../helpers/chromium.js';
import { ensureFreshBuild, startServe, type ServeProcess } from '../helpers/serve-process.js';
import { FirstRunPanel } from './pages/first-run-panel.js';
import { lanIpv4 } from '../helpers/lan.js';

let browser: ChromiumSession;

beforeAll(async () => {
  await ensureFreshBuild();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

describe('first run on this machine (loopback)', () => {
  let serve: ServeProcess;
  let page: Page;
  let panel: FirstRunPanel;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    serve = await startServe();
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: serve.url,
    });
    page = await browser.context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    panel = new FirstRunPanel(page);
    await panel.open(serve.url);
  });

  afterAll(async () => {
    await page?.close();
    await serve?.stop();
  });

  it('shows the cluster token, the admin token and the exact agent command', async () => {
    const setup = SystemSetupSchema.parse(
      await (await fetch(`${serve.url}/api/system/setup`)).json(),
    );
    const token = (name: string) => readFileSync(join(serve.dataDir, name), 'utf8').trim();
    expect(await panel.text('first-run-cluster-token')).toBe(token('cluster-token'));
    expect(await panel.text('first-run-admin-token')).toBe(token('admin-token'));
    expect(await panel.text('first-run-command')).toBe(setup.agent_command);
    expect(setup.agent_command).toContain('aerie-agent.mjs --control-plane ');
  });

  it('copies the agent command to the clipboard', async () => {
    await panel.copyCommand();
    const copied = await page.evaluate<string>('navigator.clipboard.readText()');
    expect(copied).toBe(await panel.text('first-run-command'));
  });

  it('has no accessibility violations', async () => {
    const result = await new AxeBuilder({ page }).include('[data-testid="first-run"]').analyze();
    expect(result.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
  });

  it('starts a demo node that registers itself, and says so', async () => {
    await panel.startDemo();
    await panel.waitForStatus('1 node connected');
    expect(await panel.text('first-run-demo')).toBe('Demo node running');
    const nodes = (await (await fetch(`${serve.url}/api/nodes`)).json()) as { hostname: string }[];
    expect(nodes.map((n) => n.hostname)).toEqual(['demo-node']);
  });

  it('stays closed once closed, also after a reload', async () => {
    await panel.close();
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.locator('#root').waitFor({ state: 'attached' });
    await page.waitForLoadState('networkidle');
    expect(await panel.root().count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});

describe("first run: the panel follows the console's event stream", () => {
  it('shows a node that joins from elsewhere, over the one WebSocket the page opens', async () => {
    const serve = await startServe();
    const page = await browser.context.newPage();
    try {
      const sockets: string[] = [];
      page.on('websocket', (ws) => {
        if (new URL(ws.url()).pathname === '/ws') sockets.push(ws.url());
      });
      const panel = new FirstRunPanel(page);
      await panel.open(serve.url);
      await page.locator('[data-testid="stream-indicator"][data-state="live"]').waitFor();
      // Not the panel's button (which refreshes the panel itself): another client starts it.
      const res = await fetch(`${serve.url}/api/system/demo`, { method: 'POST' });
      expect(res.status).toBe(200);
      await panel.waitForStatus('1 node connected');
      expect(sockets).toHaveLength(1);
    } finally {
      await page.close();
      await serve.stop();
    }
  });
});

describe('first run seen from another machine on a trusted network', () => {
  let serve: ServeProcess;

  beforeAll(async () => {
    if (!lanIpv4) throw new Error('this test needs a non-loopback IPv4 address');
    serve = await startServe(['--host', '0.0.0.0', '--trusted-networks', `${lanIpv4}/32`]);
  });

  afterAll(async () => {
    await serve?.stop();
  });

  it('shows only a hint of the admin token, and the command dials the LAN address', async () => {
    const page = await browser.context.newPage();
    try {
      const panel = new FirstRunPanel(page);
      const lanUrl = `http://${lanIpv4}:${serve.port}`;
      await panel.open(lanUrl);
      const admin = readFileSync(join(serve.dataDir, 'admin-token'), 'utf8').trim();
      const hint = await panel.text('first-run-admin-hint');
      expect(hint).toContain(`…${admin.slice(-4)}`);
      expect(await page.content()).not.toContain(admin);
      expect(await panel.text('first-run-command')).toContain(`--control-plane ${lanUrl} `);
    } finally {
      await page.close();
    }
  });
});
