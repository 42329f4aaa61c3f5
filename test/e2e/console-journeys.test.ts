// Operator journeys through the console (browser transport) against `aerie serve` with two real
// agents (simulated GPUs, process runtime running the vLLM simulator).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentRead } from '../../src-main/shared/deployments.js';
import type { NodeRead } from '../../src-main/shared/nodes.js';
import { launchChromium, recordRequests, type ChromiumSession } from '../helpers/chromium.js';
import { freePort } from '../helpers/engine-harness.js';
import { startFleet, type Fleet } from '../helpers/fleet.js';
import { ensureFreshBuild, REPO_ROOT } from '../helpers/serve-process.js';
import { waitForValue } from '../helpers/wait.js';
import { ConsolePage } from './pages/console-page.js';
import { DeploymentsPage } from './pages/deployments-page.js';
import { NodesPage } from './pages/nodes-page.js';
import { SettingsPage } from './pages/settings-page.js';
import { expectAccessible } from './pages/accessibility.js';

const SHOTS = join(REPO_ROOT, 'test-results', 'console');
const FAST_ENV = [{ key: 'AERIE_SIM_LOAD_S', value: '0.3' }];

let browser: ChromiumSession;
let fleet: Fleet;
let nodeA: NodeRead;
let ui: ConsolePage;
let deployments: DeploymentsPage;
let nodes: NodesPage;
let settings: SettingsPage;
const pageErrors: string[] = [];

beforeAll(async () => {
  await ensureFreshBuild();
  mkdirSync(SHOTS, { recursive: true });
  [browser, fleet] = await Promise.all([
    launchChromium(),
    startFleet({
      agents: ['ui-a', 'ui-b'],
      agentEnv: { AERIE_AGENT_MONITOR_INTERVAL_MS: '200' },
    }),
  ]);
  nodeA = await fleet.node('ui-a');
  await fleet.node('ui-b');
  const page: Page = await browser.context.newPage();
  await page.setViewportSize({ width: 1440, height: 900 });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
  ui = new ConsolePage(page);
  deployments = new DeploymentsPage(page);
  nodes = new NodesPage(page);
  settings = new SettingsPage(page);
  await ui.open(fleet.cp.url, 'deployments');
  await ui.waitForState('stream-indicator', 'live');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await fleet?.stop();
});

const dep = async (id: number) =>
  (await fleet.call('GET', `/api/deployments/${id}`)).body as DeploymentRead;

describe('the deployment journey in the console', () => {
  it('deploys through the panel, then pauses, resumes, extends, stops and deletes from the row menu', async () => {
    const port = await freePort();
    await deployments.fillDeploy({
      node: 'ui-a',
      model: 'org/ui-journey',
      port,
      fraction: 0.4,
      owner: 'ana',
      env: FAST_ENV,
    });
    await ui.page.screenshot({ path: join(SHOTS, 'deploy-panel.png') });
    await expectAccessible(ui.page, 'deploy panel');
    await deployments.confirmDeploy();
    const id = await deployments.idOf('org/ui-journey');
    await deployments.waitForStatus(id, 'running');
    expect(await dep(id)).toMatchObject({ node_id: nodeA.id, owner: 'ana', port });
    // Chat through the gateway with the official client (no permanent key yet: the gateway is
    // open, so any key string passes), and the gateway counts the request for the model.
    const gateway = new OpenAI({
      baseURL: `${fleet.cp.url}/v1`,
      apiKey: 'journey-no-key-yet',
      maxRetries: 0,
      timeout: 30_000,
    });
    const reply = await gateway.chat.completions.create({
      model: 'org/ui-journey',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 8,
    });
    expect(reply.model).toBe('org/ui-journey');
    expect(reply.choices[0]?.message.content?.length).toBeGreaterThan(0);
    const counted = await (await fetch(`${fleet.cp.url}/metrics`)).text();
    expect(counted).toMatch(
      /aerie_gateway_requests_total\{route="\/v1\/chat\/completions",model="org\/ui-journey",status="200"\} 1\b/,
    );
    await ui.page.screenshot({ path: join(SHOTS, 'deployments.png') });
    await expectAccessible(ui.page, 'deployments');

    const logs = await deployments.logs(id);
    expect(logs).not.toMatch(/^(Loading…|\(no output yet\))$/);

    await deployments.action(id, 'pause');
    await deployments.waitForStatus(id, 'paused_ram');
    expect(await deployments.statusText(id)).toBe('paused (RAM)');
    const ramActions = await deployments.menuActions(id);
    expect(ramActions).toContain('pause_disk');
    // A RAM-paused model moves to disk; a disk-paused one offers what a RAM-paused one does.
    await deployments.action(id, 'pause_disk');
    await deployments.waitForStatus(id, 'paused_disk');
    expect(await deployments.statusText(id)).toBe('paused (disk)');
    expect((await dep(id)).pause_tier).toBe('disk');
    expect(await deployments.menuActions(id)).toEqual(ramActions.filter((a) => a !== 'pause_disk'));
    await deployments.action(id, 'resume');
    await deployments.waitForStatus(id, 'running');

    const before = Date.parse((await dep(id)).expires_at ?? '');
    const shownBefore = await deployments.remaining(id);
    await deployments.extend(id, '4h');
    const after = await waitForValue(
      async () => {
        const e = Date.parse((await dep(id)).expires_at ?? '');
        return e > before ? e : null;
      },
      10_000,
      'the extended deadline',
    );
    expect(after - before).toBe(4 * 3600_000);
    await waitForValue(
      async () => (await deployments.remaining(id)) !== shownBefore,
      10_000,
      'the remaining time to move',
    );

    await deployments.action(id, 'stop');
    await deployments.waitForStatus(id, 'stopped');
    await deployments.action(id, 'delete');
    await deployments.confirmDelete();
    await deployments.row('org/ui-journey').waitFor({ state: 'detached' });
    expect((await fleet.call('GET', `/api/deployments/${id}`)).status).toBe(404);
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('shows a change another client makes without a reload and without refetching the list', async () => {
    const port = await freePort();
    const started = await fleet.call('POST', '/api/deployments/start', {
      node_id: nodeA.id,
      model_name: 'org/ui-live',
      port,
      gpu_memory_fraction: 0.3,
      owner: 'bo',
      env_vars: FAST_ENV,
    });
    expect(started.status).toBe(201);
    const id = (started.body as DeploymentRead).id;
    await deployments.waitForStatus(id, 'running');
    const log = recordRequests(browser.context);
    try {
      expect((await fleet.call('POST', `/api/deployments/${id}/pause`, {})).status).toBe(200);
      await deployments.waitForStatus(id, 'paused_ram');
      expect((await fleet.call('POST', `/api/deployments/stop/${id}`)).status).toBe(200);
      await deployments.waitForStatus(id, 'stopped');
      expect(log.urls.filter((u) => /\/api\/deployments(\?|$)/.test(u))).toEqual([]);
    } finally {
      log.stop();
    }
  }, 60_000);
});

describe('the deploy journey by keyboard alone', () => {
  it('opens the panel, fills it, previews the plan and confirms with Tab, typing and Enter', async () => {
    await deployments.show();
    await ui.page.locator('body').focus();
    await deployments.deployByKeyboard({
      node: 'ui-a',
      model: 'org/ui-keyboard',
      port: await freePort(),
      fraction: 0.3,
      owner: 'kim',
      env: FAST_ENV,
    });
    const id = await deployments.idOf('org/ui-keyboard');
    await deployments.waitForStatus(id, 'running');
    expect(await dep(id)).toMatchObject({
      owner: 'kim',
      gpu_memory_fraction: 0.3,
      node_id: nodeA.id,
    });
    expect((await fleet.call('POST', `/api/deployments/stop/${id}`)).status).toBe(200);
    await deployments.waitForStatus(id, 'stopped');
  }, 90_000);
});

describe('nodes in the console', () => {
  it('cordons and drains a node from the maintenance dialog, then uncordons it', async () => {
    const b = await fleet.node('ui-b');
    const started = await fleet.call('POST', '/api/deployments/start', {
      node_id: b.id,
      model_name: 'org/ui-drained',
      port: await freePort(),
      gpu_memory_fraction: 0.3,
      owner: 'ana',
      env_vars: FAST_ENV,
    });
    expect(started.status).toBe(201);
    const id = (started.body as DeploymentRead).id;
    await waitForValue(async () => (await dep(id)).status === 'running', 30_000, 'running');
    await nodes.show();
    await nodes.openNode('ui-b');
    await ui.page.screenshot({ path: join(SHOTS, 'nodes.png'), fullPage: true });
    await expectAccessible(ui.page, 'nodes');
    await nodes.maintenance('cordon', true);
    await nodes.waitForStatus('ui-b', 'maintenance');
    await waitForValue(
      async () => ['stopping', 'stopped'].includes((await dep(id)).status),
      20_000,
      'the drained deployment to stop',
    );
    expect((await fleet.node('ui-b', (n) => n.maintenance)).maintenance).toBe(true);
    await nodes.maintenance('uncordon');
    await nodes.waitForStatus('ui-b', 'online');
    const command = await nodes.addNodeCommand();
    expect(command).toContain(`--cluster-token ${fleet.token}`);
    const setup = (await fleet.call('GET', '/api/system/setup')).body as { agent_command: string };
    expect(command).toBe(setup.agent_command);
    expect(pageErrors).toEqual([]);
  }, 90_000);

  it('uploads a model folder to a node, showing byte progress, and lists it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aerie-ui-upload-'));
    const folder = join(dir, 'tiny-model');
    mkdirSync(folder);
    writeFileSync(join(folder, 'config.json'), JSON.stringify({ architectures: ['Tiny'] }));
    const MB = 1024 * 1024;
    writeFileSync(join(folder, 'model-1.safetensors'), Buffer.alloc(6 * MB, 1));
    writeFileSync(join(folder, 'model-2.safetensors'), Buffer.alloc(6 * MB, 2));
    try {
      await nodes.show();
      await nodes.openNode('ui-a');
      const progress = await nodes.recordProgress();
      await nodes.uploadFolder(folder);
      await nodes
        .localModels()
        .getByText('tiny-model', { exact: true })
        .waitFor({ timeout: 30_000 });
      const seen = await progress();
      // Progress went up in steps to the whole folder (12 MiB plus the config).
      expect(seen.length).toBeGreaterThan(1);
      expect(Math.max(...seen)).toBeGreaterThanOrEqual(12 * MB);
      expect([...seen].sort((x, y) => x - y)).toEqual(seen);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
  it('uploads a wheel to the node from the Packages tab with byte progress and lists it; refuses a non-package file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aerie-ui-package-'));
    // Any bytes under a valid wheel name: the agent stores packages, it does not install them.
    const wheel = join(dir, 'tiny_plugin-0.1.0-py3-none-any.whl');
    const notes = join(dir, 'notes.txt');
    // Large enough that the browser reports upload progress more than once (it reports every
    // 50 ms or so; a few MiB over loopback can finish between two reports).
    const size = 64 * 1024 * 1024;
    writeFileSync(wheel, Buffer.alloc(size, 7));
    writeFileSync(notes, 'not a package');
    const listed = async () =>
      (
        (await fleet.call('GET', `/api/nodes/${nodeA.id}/packages`)).body as {
          filename: string;
        }[]
      ).map((p) => p.filename);
    try {
      await nodes.show();
      await nodes.openNode('ui-a');
      await nodes.tab('Packages');
      await nodes.packages().waitFor();
      const progress = await nodes.recordProgress();
      await nodes.uploadPackage(wheel);
      await nodes
        .packages()
        .getByText('tiny_plugin-0.1.0-py3-none-any.whl', { exact: true })
        .waitFor({ timeout: 30_000 });
      const seen = await progress();
      expect(seen.length).toBeGreaterThan(1);
      expect(Math.max(...seen)).toBeGreaterThanOrEqual(size);
      expect([...seen].sort((x, y) => x - y)).toEqual(seen);
      expect(await listed()).toContain('tiny_plugin-0.1.0-py3-none-any.whl');
      await ui.page.screenshot({ path: join(SHOTS, 'node-packages.png'), fullPage: true });
      await expectAccessible(ui.page, 'node packages');

      await nodes.uploadPackage(notes);
      await ui.page
        .getByRole('alert')
        .filter({ hasText: 'Unsupported package file "notes.txt"' })
        .filter({ hasText: '.whl' })
        .waitFor();
      expect(await listed()).not.toContain('notes.txt');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('settings in the console', () => {
  it("shows the server's 422 under the field and keeps the stored value", async () => {
    await settings.show();
    await settings.tab('lifecycle');
    const answers: number[] = [];
    const onResponse = (r: {
      url(): string;
      request(): { method(): string };
      status(): number;
    }) => {
      if (r.url().endsWith('/api/settings') && r.request().method() === 'PUT')
        answers.push(r.status());
    };
    ui.page.on('response', onResponse);
    try {
      await settings.set('expiry_warning_minutes', '0');
      const message = await settings.errorOf('expiry_warning_minutes');
      expect(answers).toEqual([422]);
      expect(message.length).toBeGreaterThan(0);
      expect(message).toMatch(/1/);
    } finally {
      ui.page.off('response', onResponse);
    }
    const stored = (await fleet.call('GET', '/api/settings')).body as Record<string, unknown>;
    expect(stored.expiry_warning_minutes).toBe(30);
    await ui.page.screenshot({ path: join(SHOTS, 'settings.png'), fullPage: true });
    await expectAccessible(ui.page, 'settings');
    await settings.set('expiry_warning_minutes', '45');
    await ui.waitForSetting('expiry_warning_minutes', '45');
  }, 60_000);
});

describe('the #/deployments/<id> route (what a desktop notification opens)', () => {
  it('highlights the deployment and scrolls it into view, clearing a search that hid it; an unknown id reads as such', async () => {
    // Enough rows that the oldest (last, newest first) starts below the fold.
    const ids: number[] = [];
    for (let i = 0; i < 40; i++) {
      const r = await fleet.call('POST', '/api/deployments', {
        node_id: nodeA.id,
        model_name: `org/ui-link-${i}`,
        port: await freePort(),
        gpu_memory_fraction: 0.1,
        owner: 'lee',
      });
      expect(r.status).toBe(201);
      ids.push((r.body as DeploymentRead).id);
    }
    const target = ids[0]!;
    try {
      await deployments.show();
      await deployments.row('org/ui-link-39').waitFor();
      expect(await deployments.rowInView(target)).toBe(false);
      await deployments.search('no-such-deployment');
      await nodes.show();

      await deployments.followLink(target);
      const row = await deployments.focusedRow(target);
      await waitForValue(async () => deployments.rowInView(target), 5000, 'the linked row in view');
      expect(await row.getAttribute('aria-current')).toBe('true');
      const banner = ui.page.locator(`[data-testid="focus-banner"][data-focus="${target}"]`);
      expect(await banner.textContent()).toContain('org/ui-link-0');
      expect(await ui.page.locator('[data-testid="deployments-search"]').inputValue()).toBe('');
      // Only the linked row is highlighted.
      expect(await ui.page.locator('[data-focused="true"]').count()).toBe(1);
      await ui.page.screenshot({ path: join(SHOTS, 'deployment-link.png') });
      await expectAccessible(ui.page, 'deployment link');

      await deployments.followLink(999_999);
      const missing = ui.page.locator('[data-testid="focus-missing"]');
      await missing.filter({ hasText: 'There is no deployment #999999' }).waitFor();
      expect(await ui.page.locator('[data-focused="true"]').count()).toBe(0);
      await deployments.followLink('abc');
      await missing.filter({ hasText: '“abc” is not a deployment id.' }).waitFor();
      await ui.page.locator('[data-testid="focus-clear"]').click();
      await missing.waitFor({ state: 'detached' });
      expect(await ui.page.evaluate('location.hash')).toBe('#/deployments');

      // Search and sort over the same rows: natural order for names, then the other way.
      await deployments.search('ui-link-');
      await waitForValue(
        async () => (await deployments.count()).startsWith('40 of '),
        5000,
        'the 40 matches counted',
      );
      await deployments.sortBy('served_model_name');
      const asc = (i: number) => `org/ui-link-${i}`;
      await waitForValue(
        async () => (await deployments.visibleModels())[0] === asc(0),
        5000,
        'ascending by name',
      );
      expect((await deployments.visibleModels()).slice(0, 12)).toEqual(
        Array.from({ length: 12 }, (_, i) => asc(i)),
      );
      await deployments.sortBy('served_model_name');
      await waitForValue(
        async () => (await deployments.visibleModels())[0] === asc(39),
        5000,
        'descending by name',
      );
      expect((await deployments.visibleModels()).slice(0, 3)).toEqual([asc(39), asc(38), asc(37)]);
      await deployments.search('');
    } finally {
      for (const id of ids) await fleet.call('DELETE', `/api/deployments/${id}`);
    }
  }, 60_000);
});

describe('every main screen', () => {
  it.each(['deployments', 'nodes', 'keys', 'usage', 'settings'])(
    'the %s screen has a screenshot and no serious or critical axe violation',
    async (screen) => {
      await ui.page.locator(`[data-testid="nav-${screen}"]`).click();
      await ui.page.locator(`[data-testid="${screen}-page"]`).waitFor();
      await ui.page.screenshot({ path: join(SHOTS, `screen-${screen}.png`), fullPage: true });
      await expectAccessible(ui.page, screen);
    },
    30_000,
  );
});
