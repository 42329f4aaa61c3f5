import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AppEvent } from '../../../src-main/shared/events.js';
import {
  EMPTY_FLEET,
  FleetWatch,
  foldEvent,
  type FleetChange,
  type FleetState,
} from '../../../src-main/shell/fleet-watch.js';
import { trayIconFile, trayModel } from '../../../src-main/shell/tray-model.js';
import { REPO_ROOT } from '../../helpers/serve-process.js';
import {
  T0,
  at,
  deleted,
  depRow,
  deployments,
  nodeRow,
  nodes,
  warnWindow,
  warning,
} from './fleet-events.js';

const fold = (...events: AppEvent[]): FleetState => events.reduce(foldEvent, EMPTY_FLEET);

describe('tray model from event sequences', () => {
  it('is all well with nothing, and counts nodes and deployments as they change', () => {
    expect(trayModel(EMPTY_FLEET, T0)).toMatchObject({ icon: 'ok', expiring: [] });
    const state = fold(
      nodes([1, 'online'], [2, 'online'], [3, 'maintenance']),
      deployments({ id: 1, status: 'running' }, { id: 2, status: 'paused_ram' }),
      deployments({ id: 3, status: 'paused_disk' }, { id: 4, status: 'stopped' }),
    );
    const m = trayModel(state, T0);
    expect(m.summary).toEqual({
      nodesOnline: 2,
      nodesTotal: 3,
      criticalNodes: 0,
      running: 1,
      paused: 2,
      loading: 0,
      errors: 0,
    });
    expect(m.icon).toBe('ok');
    expect(m.tooltip).toBe('Aerie — 2/3 nodes online, 1 running, 2 paused');
  });

  it('shows busy while something loads, error on a failed deployment or a critical node, and recovers', () => {
    let s = fold(nodes([1, 'online']), deployments({ id: 1, status: 'starting' }));
    expect(trayModel(s, T0).icon).toBe('busy');
    s = foldEvent(s, deployments({ id: 1, status: 'loading' }));
    expect(trayModel(s, T0).icon).toBe('busy');
    s = foldEvent(s, deployments({ id: 1, status: 'error', lastError: 'CUDA out of memory' }));
    expect(trayModel(s, T0)).toMatchObject({ icon: 'error', summary: { errors: 1 } });
    s = foldEvent(s, deleted(1));
    expect(trayModel(s, T0).icon).toBe('ok');
    s = foldEvent(s, nodes([1, 'critical']));
    const m = trayModel(s, T0);
    expect(m.icon).toBe('error');
    expect(m.tooltip).toMatch(/^Aerie — 1 critical node, 0\/1 nodes online/);
    expect(trayModel(foldEvent(s, nodes([1, 'online'])), T0).icon).toBe('ok');
  });

  it('lists leased deployments inside the warning window, soonest first, with minutes rounded up', () => {
    const s = fold(
      warnWindow(60),
      deployments(
        { id: 1, status: 'running', expiresInMin: 45 },
        { id: 2, status: 'paused_ram', expiresInMin: 10.5 },
        { id: 3, status: 'running', expiresInMin: 90 },
        { id: 4, status: 'running', expiresInMin: null },
        // A stopped deployment keeps its old deadline but is not expiring.
        { id: 5, status: 'stopped', expiresInMin: 5 },
      ),
    );
    expect(trayModel(s, T0).expiring).toEqual([
      { id: 2, model: 'model-2', expiresAt: at(10.5), minutesLeft: 11 },
      { id: 1, model: 'model-1', expiresAt: at(45), minutesLeft: 45 },
    ]);
    // The window follows the setting as it changes.
    expect(trayModel(foldEvent(s, warnWindow(30)), T0).expiring.map((e) => e.id)).toEqual([2]);
  });

  it('lists a deployment the server warned about, until an extension moves its deadline', () => {
    let s = fold(warnWindow(30), deployments({ id: 7, status: 'running', expiresInMin: 40 }));
    expect(trayModel(s, T0).expiring).toEqual([]);
    s = foldEvent(s, warning(7, 40, 40));
    expect(trayModel(s, T0).expiring.map((e) => [e.id, e.minutesLeft])).toEqual([[7, 40]]);
    s = foldEvent(s, deployments({ id: 7, status: 'running', expiresInMin: 100 }));
    expect(trayModel(s, T0).expiring).toEqual([]);
    expect(s.warned.size).toBe(0);
  });

  it('ignores rows that do not parse and events the tray does not use', () => {
    const s = fold(deployments({ id: 1, status: 'running' }));
    const bad = foldEvent(s, {
      type: 'deployments_changed',
      ids: [2],
      deployments: [{ id: 2, status: 'bogus' }],
      deleted: [],
    });
    expect([...bad.deployments.keys()]).toEqual([1]);
    const metrics: AppEvent = {
      type: 'node_metrics',
      node_id: 1,
      recorded_at: at(0),
      gpus: [],
      cpu_percent: 1,
      memory_percent: 1,
    };
    expect(foldEvent(s, metrics)).toBe(s);
  });
});

describe('FleetWatch', () => {
  it('folds events that arrive before the snapshot on top of it, then tells listeners each change', () => {
    const watch = new FleetWatch();
    const changes: FleetChange[] = [];
    watch.onChange((c) => changes.push(c));
    watch.apply(deployments({ id: 2, status: 'running' }));
    expect(watch.loaded).toBe(false);
    expect(changes).toEqual([]);
    watch.load({
      nodes: [nodeRow(1, 'online')],
      deployments: [depRow({ id: 1, status: 'loading' })],
      warningMinutes: 15,
    });
    expect([...watch.current.deployments.keys()].sort()).toEqual([1, 2]);
    expect(watch.current.warningMinutes).toBe(15);
    expect(changes).toHaveLength(1);
    expect(changes[0]?.event).toBeNull();
    watch.apply(deployments({ id: 1, status: 'running' }));
    expect(changes).toHaveLength(2);
    expect(changes[1]?.before.deployments.get(1)?.status).toBe('loading');
    expect(changes[1]?.after.deployments.get(1)?.status).toBe('running');
    watch.apply({ type: 'api_keys_changed', ids: [1] });
    expect(changes).toHaveLength(2);
  });
});

describe('tray icon files', () => {
  it('names a template image on macOS and the coloured mark elsewhere, per state', () => {
    expect(trayIconFile('ok', 'darwin')).toBe('trayTemplate.png');
    expect(trayIconFile('busy', 'darwin')).toBe('trayTemplate-busy.png');
    expect(trayIconFile('error', 'linux')).toBe('tray-error.png');
    expect(trayIconFile('ok', 'win32')).toBe('tray.png');
    for (const state of ['ok', 'busy', 'error'] as const)
      for (const platform of ['darwin', 'linux'])
        for (const scale of ['', '@2x'])
          expect(
            existsSync(
              join(
                REPO_ROOT,
                'resources',
                trayIconFile(state, platform).replace('.png', `${scale}.png`),
              ),
            ),
          ).toBe(true);
  });
});
