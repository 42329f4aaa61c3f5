// The settings screen's purge card against `aerie serve` with a real agent: the typed
// confirmation, and what a purge of the deployment records does (records go, running models stay
// and are re-adopted under a new id, other categories are kept), seen without a reload.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentRead } from '../../src-main/shared/deployments.js';
import type { NodeRead } from '../../src-main/shared/nodes.js';
import { launchChromium, type ChromiumSession } from '../helpers/chromium.js';
import { freePort } from '../helpers/engine-harness.js';
import { startFleet, type Fleet } from '../helpers/fleet.js';
import { ensureFreshBuild, REPO_ROOT } from '../helpers/serve-process.js';
import { waitForValue } from '../helpers/wait.js';
import { expectAccessible } from './pages/accessibility.js';
import { ConsolePage } from './pages/console-page.js';
import { DeploymentsPage } from './pages/deployments-page.js';
import { SettingsPage } from './pages/settings-page.js';

const SHOTS = join(REPO_ROOT, 'test-results', 'console');
const FAST_ENV = [{ key: 'AERIE_SIM_LOAD_S', value: '0.3' }];

let browser: ChromiumSession;
let fleet: Fleet;
let node: NodeRead;
let ui: ConsolePage;
let deployments: DeploymentsPage;
let settings: SettingsPage;

beforeAll(async () => {
  await ensureFreshBuild();
  mkdirSync(SHOTS, { recursive: true });
  [browser, fleet] = await Promise.all([launchChromium(), startFleet({ agents: ['purge-a'] })]);
  node = await fleet.node('purge-a');
  const page: Page = await browser.context.newPage();
  await page.setViewportSize({ width: 1440, height: 900 });
  ui = new ConsolePage(page);
  deployments = new DeploymentsPage(page);
  settings = new SettingsPage(page);
  await ui.open(fleet.cp.url, 'deployments');
  await ui.waitForState('stream-indicator', 'live');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await fleet?.stop();
});

const list = async () => (await fleet.call('GET', '/api/deployments')).body as DeploymentRead[];

async function start(model: string, port: number): Promise<number> {
  const r = await fleet.call('POST', '/api/deployments/start', {
    node_id: node.id,
    model_name: model,
    port,
    gpu_memory_fraction: 0.3,
    owner: 'ana',
    env_vars: FAST_ENV,
  });
  expect(r.status).toBe(201);
  const id = (r.body as DeploymentRead).id;
  await deployments.waitForStatus(id, 'running');
  return id;
}

describe('the purge card', () => {
  it('purges only after the exact phrase; the records leave the table live, the running model stays', async () => {
    const runningPort = await freePort();
    const running = await start('org/purge-running', runningPort);
    const stopped = await start('org/purge-stopped', await freePort());
    expect((await fleet.call('POST', `/api/deployments/stop/${stopped}`)).status).toBe(200);
    await deployments.waitForStatus(stopped, 'stopped');
    const config = await fleet.call('POST', '/api/configs', { name: 'kept', payload: {} });
    expect(config.status).toBe(201);
    // A marker on the window: a reload would lose it.
    await ui.page.evaluate('window.__noReload = true');

    await settings.show();
    const confirm = await settings.openPurge(['deployments']);
    expect(await confirm.isDisabled()).toBe(true);
    for (const wrong of ['purg', 'PURGE', 'purge it', 'delete']) {
      await settings.typePurge(wrong);
      expect(await confirm.isDisabled()).toBe(true);
    }
    await settings.typePurge('purge');
    expect(await confirm.isEnabled()).toBe(true);
    await ui.page.screenshot({ path: join(SHOTS, 'purge-dialog.png') });
    await expectAccessible(ui.page, 'purge dialog');
    await confirm.click();
    await ui.page.getByText('Purged 2 deployments').waitFor();
    await confirm.waitFor({ state: 'detached' });

    await deployments.show();
    await ui.page
      .locator(`[data-testid="deployment-row-${stopped}"]`)
      .waitFor({ state: 'detached' });
    await ui.page
      .locator(`[data-testid="deployment-row-${running}"]`)
      .waitFor({ state: 'detached' });
    expect(await deployments.row('org/purge-stopped').count()).toBe(0);
    // Server side: the records are gone; the model that still runs on the agent is re-adopted
    // under a new id (its process untouched, still serving), the stopped one is not.
    expect((await fleet.call('GET', `/api/deployments/${stopped}`)).status).toBe(404);
    expect((await fleet.call('GET', `/api/deployments/${running}`)).status).toBe(404);
    const adopted = await waitForValue(
      async () => (await list()).find((d) => d.model_name === 'org/purge-running'),
      20_000,
      'the running model to be re-adopted',
    );
    expect(adopted.id).not.toBe(running);
    expect(adopted).toMatchObject({ port: runningPort, status: 'running', owner: 'ana' });
    expect((await list()).map((d) => d.model_name)).toEqual(['org/purge-running']);
    const health = await fetch(`http://127.0.0.1:${runningPort}/health`);
    expect(health.status).toBe(200);
    // The table follows the re-adoption live, still without a reload.
    await deployments.waitForStatus(adopted.id, 'running');
    expect(await ui.page.evaluate('window.__noReload === true')).toBe(true);
    // Categories not ticked are kept.
    expect((await fleet.call('GET', '/api/configs')).body).toMatchObject([{ name: 'kept' }]);
  }, 90_000);
});
