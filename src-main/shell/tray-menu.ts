// Pure on purpose: the tray menu as data, the API call behind each action, and the mapping to
// Electron's template (types only from electron, so this runs in plain Node).
import type { MenuItemConstructorOptions } from 'electron';
import type { IpcRequest } from '../shared/ipc.js';
import {
  NOTIFICATION_KINDS,
  NOTIFICATION_KIND_LABELS,
  type MutedKinds,
  type NotificationKind,
} from './notification-policy.js';
import type { TrayModel } from './tray-model.js';

/** Everything a tray menu item can do. */
export type TrayAction =
  | { type: 'open_console' }
  | { type: 'open_deployment'; id: number }
  | { type: 'extend'; id: number; hours: number }
  | { type: 'copy_gateway_url' }
  | { type: 'start_demo' }
  | { type: 'open_logs' }
  | { type: 'toggle_mute'; kind: NotificationKind }
  | { type: 'toggle_open_at_login' }
  | { type: 'quit' };

export type MenuEntry =
  | { kind: 'label'; label: string }
  | { kind: 'action'; label: string; action: TrayAction }
  | { kind: 'checkbox'; label: string; checked: boolean; action: TrayAction }
  | { kind: 'submenu'; label: string; entries: MenuEntry[] }
  | { kind: 'separator' };

export interface TrayMenuContext {
  version: string;
  gatewayUrl: string;
  muted: MutedKinds;
  /** Null where the platform has no start-at-login support the shell can drive. */
  openAtLogin: boolean | null;
  /** Offer "Start a demo node" (no node yet and no demo running). */
  offerDemo: boolean;
}

/** The extensions offered per expiring deployment, in hours. */
export const EXTEND_HOURS = [1, 4] as const;

const sep: MenuEntry = { kind: 'separator' };

function summaryLines(m: TrayModel): MenuEntry[] {
  const s = m.summary;
  const lines = [
    `Nodes: ${s.nodesOnline} of ${s.nodesTotal} online${s.criticalNodes > 0 ? `, ${s.criticalNodes} critical` : ''}`,
    `Deployments: ${s.running} running, ${s.paused} paused${s.loading > 0 ? `, ${s.loading} starting` : ''}`,
  ];
  if (s.errors > 0) lines.push(`${s.errors} deployment${s.errors === 1 ? '' : 's'} in error`);
  return lines.map((label) => ({ kind: 'label', label }));
}

function expiringEntries(m: TrayModel): MenuEntry[] {
  if (m.expiring.length === 0) return [];
  return [
    { kind: 'label', label: 'Expiring soon' },
    ...m.expiring.map((e): MenuEntry => ({
      kind: 'submenu',
      label: `${e.model} — ${e.minutesLeft} min left`,
      entries: [
        ...EXTEND_HOURS.map((hours): MenuEntry => ({
          kind: 'action',
          label: `Extend ${hours} h`,
          action: { type: 'extend', id: e.id, hours },
        })),
        { kind: 'action', label: 'Show in console', action: { type: 'open_deployment', id: e.id } },
      ],
    })),
    sep,
  ];
}

/** The whole tray menu for a model; rebuilt whenever the model changes. */
export function trayMenu(m: TrayModel, ctx: TrayMenuContext): MenuEntry[] {
  return [
    { kind: 'label', label: `Aerie ${ctx.version}` },
    ...summaryLines(m),
    sep,
    ...expiringEntries(m),
    { kind: 'action', label: 'Open console', action: { type: 'open_console' } },
    {
      kind: 'action',
      label: `Copy gateway URL (${ctx.gatewayUrl})`,
      action: { type: 'copy_gateway_url' },
    },
    ...(ctx.offerDemo
      ? [{ kind: 'action', label: 'Start a demo node', action: { type: 'start_demo' } } as const]
      : []),
    sep,
    {
      kind: 'submenu',
      label: 'Notify me about',
      entries: NOTIFICATION_KINDS.map((kind) => ({
        kind: 'checkbox',
        label: NOTIFICATION_KIND_LABELS[kind],
        checked: !ctx.muted[kind],
        action: { type: 'toggle_mute', kind },
      })),
    },
    ...(ctx.openAtLogin === null
      ? []
      : [
          {
            kind: 'checkbox',
            label: 'Start at login',
            checked: ctx.openAtLogin,
            action: { type: 'toggle_open_at_login' },
          } as const,
        ]),
    { kind: 'action', label: 'Open logs folder', action: { type: 'open_logs' } },
    sep,
    { kind: 'action', label: 'Quit Aerie', action: { type: 'quit' } },
  ];
}

/** The REST call behind an action (the same API the console uses), or null for local actions. */
export function actionRequest(action: TrayAction): IpcRequest | null {
  switch (action.type) {
    case 'extend':
      return {
        method: 'POST',
        path: `/api/deployments/${action.id}/extend`,
        body: { hours: action.hours },
      };
    case 'start_demo':
      return { method: 'POST', path: '/api/system/demo' };
    case 'open_console':
    case 'open_deployment':
    case 'copy_gateway_url':
    case 'open_logs':
    case 'toggle_mute':
    case 'toggle_open_at_login':
    case 'quit':
      return null;
  }
}

/** Electron's menu template for the entries; `run` performs a clicked action. */
export function toMenuTemplate(
  entries: readonly MenuEntry[],
  run: (action: TrayAction) => void,
): MenuItemConstructorOptions[] {
  return entries.map((e): MenuItemConstructorOptions => {
    switch (e.kind) {
      case 'label':
        return { label: e.label, enabled: false };
      case 'action':
        return { label: e.label, click: () => run(e.action) };
      case 'checkbox':
        return { label: e.label, type: 'checkbox', checked: e.checked, click: () => run(e.action) };
      case 'submenu':
        return { label: e.label, submenu: toMenuTemplate(e.entries, run) };
      case 'separator':
        return { type: 'separator' };
    }
  });
}
