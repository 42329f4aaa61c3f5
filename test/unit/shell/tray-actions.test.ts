import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetWatch, readFleetSnapshot } from '../../../src-main/shell/fleet-watch.js';
import { runTrayAction, type TrayActionDeps } from '../../../src-main/shell/tray-actions.js';
import { trayModel } from '../../../src-main/shell/tray-model.js';
import { startInProcess } from '../../helpers/control-plane.js';
import { waitFor } from '../../helpers/wait.js';

type Plane = Awaited<ReturnType<typeof startInProcess>>;

function deps(plane: Plane, calls: string[]): TrayActionDeps {
  return {
    inject: (raw) => plane.inject(raw),
    showConsole: () => calls.push('console'),
    showDeployment: (id) => calls.push(`deployment ${id}`),
    copyText: (t) => calls.push(`copy ${t}`),
    openFolder: (p) => calls.push(`open ${p}`),
    gatewayUrl: () => 'http://10.0.0.2:8000/v1',
    logDir: '/logs',
    toggleMute: (k) => calls.push(`mute ${k}`),
    toggleOpenAtLogin: () => calls.push('login'),
    quit: () => calls.push('quit'),
    report: (title, body) => calls.push(`report ${title}: ${body}`),
    log: { warn: () => undefined },
  };
}

describe('tray actions against a real control plane', () => {
  let plane: Plane;

  beforeAll(async () => {
    plane = await startInProcess();
  });

  afterAll(async () => {
    await plane.stop();
    rmSync(plane.dataDir, { recursive: true, force: true });
  });

  it('runs local actions through the injected services', async () => {
    const calls: string[] = [];
    const d = deps(plane, calls);
    for (const a of [
      { type: 'open_console' },
      { type: 'open_deployment', id: 3 },
      { type: 'copy_gateway_url' },
      { type: 'open_logs' },
      { type: 'toggle_mute', kind: 'ready' },
      { type: 'toggle_open_at_login' },
      { type: 'quit' },
    ] as const)
      await runTrayAction(a, d);
    expect(calls).toEqual([
      'console',
      'deployment 3',
      'copy http://10.0.0.2:8000/v1',
      'open /logs',
      'mute ready',
      'login',
      'quit',
    ]);
  });

  it('reports the API’s detail when an extension is refused (no such deployment)', async () => {
    const calls: string[] = [];
    await runTrayAction({ type: 'extend', id: 999, hours: 1 }, deps(plane, calls));
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatch(/^report Extend failed: .*999/);
  });

  it('starts the demo node from the tray, and the watch shows it from events alone, reading nothing after the snapshot', async () => {
    const watch = new FleetWatch();
    const off = plane.events.onAny((e) => watch.apply(e));
    try {
      const reads: string[] = [];
      watch.load(
        await readFleetSnapshot((raw) => {
          reads.push((raw as { path: string }).path);
          return plane.inject(raw);
        }),
      );
      expect(watch.current.nodes.size).toBe(0);
      const calls: string[] = [];
      await runTrayAction({ type: 'start_demo' }, deps(plane, calls));
      expect(calls).toEqual([]);
      await waitFor(
        () => trayModel(watch.current, Date.now()).summary.nodesOnline === 1,
        20_000,
        'the demo node online in the tray model',
      );
      expect([...watch.current.nodes.values()].map((n) => n.hostname)).toEqual(['demo-node']);
      // Rebuilt from events: the snapshot was the only read.
      expect(reads.sort()).toEqual(['/api/deployments', '/api/nodes', '/api/settings']);
    } finally {
      off();
    }
  });
});
