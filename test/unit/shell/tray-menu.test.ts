import { describe, expect, it } from 'vitest';
import { DeploymentExtendSchema } from '../../../src-main/shared/deployments.js';
import { IpcRequestSchema } from '../../../src-main/shared/ipc.js';
import { EMPTY_FLEET, foldEvent } from '../../../src-main/shell/fleet-watch.js';
import {
  actionRequest,
  toMenuTemplate,
  trayMenu,
  type MenuEntry,
  type TrayAction,
  type TrayMenuContext,
} from '../../../src-main/shell/tray-menu.js';
import { trayModel } from '../../../src-main/shell/tray-model.js';
import { T0, deployments, nodes, warnWindow } from './fleet-events.js';

const ctx: TrayMenuContext = {
  version: '0.1.0',
  gatewayUrl: 'http://192.168.1.20:8000/v1',
  muted: { expiry_warning: false, expired: false, error: true, ready: false },
  openAtLogin: false,
  offerDemo: false,
};

const labels = (entries: readonly MenuEntry[]): string[] =>
  entries.flatMap((e) => (e.kind === 'separator' ? ['—'] : [e.label]));

function find(entries: readonly MenuEntry[], label: string): MenuEntry | undefined {
  for (const e of entries) {
    if (e.kind !== 'separator' && e.label === label) return e;
    if (e.kind === 'submenu') {
      const inner = find(e.entries, label);
      if (inner) return inner;
    }
  }
  return undefined;
}

const state = [
  warnWindow(30),
  nodes([1, 'online'], [2, 'degraded']),
  deployments(
    { id: 1, status: 'running', expiresInMin: 12 },
    { id: 2, status: 'paused_ram' },
    { id: 3, status: 'loading' },
  ),
].reduce(foldEvent, EMPTY_FLEET);

describe('tray menu', () => {
  it('shows the summary, the expiring deployment with its extensions, and the app actions', () => {
    const menu = trayMenu(trayModel(state, T0), ctx);
    expect(labels(menu)).toEqual([
      'Aerie 0.1.0',
      'Nodes: 1 of 2 online',
      'Deployments: 1 running, 1 paused, 1 starting',
      '—',
      'Expiring soon',
      'model-1 — 12 min left',
      '—',
      'Open console',
      'Copy gateway URL (http://192.168.1.20:8000/v1)',
      '—',
      'Notify me about',
      'Start at login',
      'Open logs folder',
      '—',
      'Quit Aerie',
    ]);
    const expiring = find(menu, 'model-1 — 12 min left');
    expect(expiring?.kind === 'submenu' && labels(expiring.entries)).toEqual([
      'Extend 1 h',
      'Extend 4 h',
      'Show in console',
    ]);
  });

  it('has no "Expiring soon" section when nothing expires, and offers the demo node only when asked', () => {
    const quiet = [
      deployments({ id: 1, status: 'running', expiresInMin: 12 }),
      deployments({ id: 1, status: 'running', expiresInMin: 600 }),
    ].reduce(foldEvent, EMPTY_FLEET);
    const menu = trayMenu(trayModel(quiet, T0), { ...ctx, offerDemo: true, openAtLogin: null });
    expect(labels(menu)).not.toContain('Expiring soon');
    expect(labels(menu)).toContain('Start a demo node');
    expect(labels(menu)).not.toContain('Start at login');
  });

  it('checks each notification kind that is not muted', () => {
    const sub = find(trayMenu(trayModel(state, T0), ctx), 'Notify me about');
    expect(
      sub?.kind === 'submenu' &&
        sub.entries.map((e) => (e.kind === 'checkbox' ? [e.label, e.checked] : null)),
    ).toEqual([
      ['Expiry warnings', true],
      ['Expired deployments', true],
      ['Deployment errors', false],
      ['Deployments ready', true],
    ]);
  });

  it('extends through the same REST call the console makes, with a body the API accepts', () => {
    const req = actionRequest({ type: 'extend', id: 1, hours: 4 });
    expect(req).toEqual({ method: 'POST', path: '/api/deployments/1/extend', body: { hours: 4 } });
    expect(IpcRequestSchema.safeParse(req).success).toBe(true);
    expect(DeploymentExtendSchema.safeParse(req?.body).success).toBe(true);
    expect(actionRequest({ type: 'start_demo' })).toEqual({
      method: 'POST',
      path: '/api/system/demo',
    });
    expect(actionRequest({ type: 'quit' })).toBeNull();
  });

  it('maps to an Electron template whose clicks run the entry’s action', () => {
    const ran: TrayAction[] = [];
    const template = toMenuTemplate(trayMenu(trayModel(state, T0), ctx), (a) => ran.push(a));
    expect(template[0]).toEqual({ label: 'Aerie 0.1.0', enabled: false });
    expect(template.filter((t) => t.type === 'separator')).toHaveLength(4);
    const expiring = template.find((t) => t.label === 'model-1 — 12 min left');
    const items = Array.isArray(expiring?.submenu) ? expiring.submenu : [];
    items[1]?.click?.(undefined as never, undefined, undefined as never);
    template.at(-1)?.click?.(undefined as never, undefined, undefined as never);
    expect(ran).toEqual([{ type: 'extend', id: 1, hours: 4 }, { type: 'quit' }]);
    const login = template.find((t) => t.label === 'Start at login');
    expect(login).toMatchObject({ type: 'checkbox', checked: false });
  });
});
