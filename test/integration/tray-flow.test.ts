// The tray's whole path against a real `aerie serve --demo`: a deployment on the demo node, the
// server's real events folded by FleetWatch, the tray model and menu built from them, the native
// notices the policy picks, and a click on "Extend 1 h" going through runTrayAction to the API.
// The app injects the same request objects over IPC; here they travel over HTTP and /ws.
import type WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppEventSchema } from '../../src-main/shared/events.js';
import type { DeploymentRead } from '../../src-main/shared/deployments.js';
import { FleetWatch, readFleetSnapshot, type Inject } from '../../src-main/shell/fleet-watch.js';
import { NotificationPolicy, type NativeNotice } from '../../src-main/shell/notification-policy.js';
import { runTrayAction } from '../../src-main/shell/tray-actions.js';
import { toMenuTemplate, trayMenu, type TrayAction } from '../../src-main/shell/tray-menu.js';
import { trayModel } from '../../src-main/shell/tray-model.js';
import { api, wsClient } from '../helpers/http.js';
import { startServe, type ServeProcess } from '../helpers/serve-process.js';
import { waitFor, waitForValue } from '../helpers/wait.js';

let serve: ServeProcess;
let ws: WebSocket;
const watch = new FleetWatch();
const policy = new NotificationPolicy(() => ({
  expiry_warning: false,
  expired: false,
  error: false,
  ready: false,
}));
const notices: NativeNotice[] = [];

const inject: Inject = async (raw) => {
  const req = raw as { method: string; path: string; body?: unknown };
  const r = await api(serve.url, req.method, req.path, req.body);
  return { status: r.status, body: r.body };
};

beforeAll(async () => {
  serve = await startServe(['--demo']);
  await api(serve.url, 'PUT', '/api/settings', {
    deployments_sync_interval_seconds: 1,
    expiry_check_interval_seconds: 5,
    expiry_warning_minutes: 30,
  });
  watch.onChange((c) => notices.push(...policy.decide(c)));
  const client = await wsClient(serve.url);
  ws = client.ws;
  ws.on('message', (d: Buffer) => {
    const e = AppEventSchema.safeParse(JSON.parse(d.toString('utf8')));
    if (e.success) watch.apply(e.data);
  });
  watch.load(await readFleetSnapshot(inject));
});

afterAll(async () => {
  ws?.close();
  await serve?.stop();
});

describe('tray flow on a real control plane', () => {
  it('lists a deployment inside the warning window, notifies, and extends it from the menu', async () => {
    const node = await waitForValue(
      () => [...watch.current.nodes.values()].find((n) => n.status === 'online'),
      20_000,
      'the demo node online in the tray state',
    );
    const started = await api(serve.url, 'POST', '/api/deployments/start', {
      node_id: node.id,
      model_name: 'org/tray-model',
      port: 18000 + (serve.port % 1000),
      owner: 'tray-test',
      gpu_memory_fraction: 0.3,
      duration_seconds: 1200,
      env_vars: [{ key: 'AERIE_SIM_LOAD_S', value: '0.3' }],
    });
    expect(started.status).toBe(201);
    const id = (started.body as DeploymentRead).id;

    // Running with 20 min left: the server warns, the tray lists it, a native notice says so.
    const item = await waitForValue(
      () => trayModel(watch.current, Date.now()).expiring.find((e) => e.id === id),
      30_000,
      'the deployment under Expiring soon',
    );
    expect(item.minutesLeft).toBeGreaterThan(15);
    await waitFor(
      () => notices.some((n) => n.kind === 'expiry_warning' && n.deploymentId === id),
      20_000,
      'an expiry_warning notice',
    );
    expect(notices.filter((n) => n.kind === 'ready' && n.deploymentId === id)).toHaveLength(1);
    const deadline = Date.parse(item.expiresAt);

    // Click "Extend 1 h" in the menu Electron would show.
    const actions: TrayAction[] = [];
    const menu = trayMenu(trayModel(watch.current, Date.now()), {
      version: 't',
      gatewayUrl: `${serve.url}/v1`,
      muted: { expiry_warning: false, expired: false, error: false, ready: false },
      openAtLogin: null,
      offerDemo: false,
    });
    const template = toMenuTemplate(menu, (a) => actions.push(a));
    const entry = template.find(
      (t) => typeof t.label === 'string' && t.label.startsWith('org/tray-model — '),
    );
    const sub = Array.isArray(entry?.submenu) ? entry.submenu : [];
    sub
      .find((s) => s.label === 'Extend 1 h')
      ?.click?.(undefined as never, undefined, undefined as never);
    expect(actions).toEqual([{ type: 'extend', id, hours: 1 }]);
    const reports: string[] = [];
    await runTrayAction(actions[0]!, {
      inject,
      showConsole: () => undefined,
      showDeployment: () => undefined,
      copyText: () => undefined,
      openFolder: () => undefined,
      gatewayUrl: () => '',
      logDir: '',
      toggleMute: () => undefined,
      toggleOpenAtLogin: () => undefined,
      quit: () => undefined,
      report: (t, b) => reports.push(`${t}: ${b}`),
      log: { warn: () => undefined },
    });
    expect(reports).toEqual([]);

    // The new deadline arrives as an event: an hour later, out of the warning window.
    const moved = await waitForValue(
      () => {
        const at = watch.current.deployments.get(id)?.expires_at;
        return at && Date.parse(at) > deadline ? at : null;
      },
      10_000,
      'the extended deadline in a deployments_changed event',
    );
    expect(Date.parse(moved) - deadline).toBeGreaterThanOrEqual(3600_000 - 5_000);
    expect(trayModel(watch.current, Date.now()).expiring.map((e) => e.id)).not.toContain(id);
    await api(serve.url, 'POST', `/api/deployments/stop/${id}`);
  });
});
