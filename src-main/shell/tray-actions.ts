// What a tray action does, with every platform service injected (no electron import), so the
// dispatch is tested in Node and the shell only passes Electron's functions in.
import type { Logger } from '../logging/logger.js';
import type { Inject } from './fleet-watch.js';
import type { NotificationKind } from './notification-policy.js';
import { actionRequest, type TrayAction } from './tray-menu.js';

export interface TrayActionDeps {
  inject: Inject;
  showConsole(): void;
  showDeployment(id: number): void;
  copyText(text: string): void;
  openFolder(path: string): void;
  gatewayUrl(): string;
  logDir: string;
  toggleMute(kind: NotificationKind): void;
  toggleOpenAtLogin(): void;
  quit(): void;
  /** Tells the user the outcome of an API action (a native notification in the app). */
  report(title: string, body: string): void;
  log: Pick<Logger, 'warn'>;
}

const detailOf = (body: unknown): string =>
  typeof body === 'object' && body !== null && 'detail' in body && typeof body.detail === 'string'
    ? body.detail
    : 'the control plane refused the request';

/** Runs one action; API actions go through `inject`, and a refusal is reported with its detail. */
export async function runTrayAction(action: TrayAction, deps: TrayActionDeps): Promise<void> {
  const req = actionRequest(action);
  if (req) {
    const res = await deps.inject(req);
    if (res.status >= 200 && res.status < 300) return;
    const what = action.type === 'extend' ? 'Extend failed' : 'Demo node did not start';
    deps.log.warn('tray action refused', { action: action.type, status: res.status });
    deps.report(what, detailOf(res.body));
    return;
  }
  switch (action.type) {
    case 'open_console':
      return deps.showConsole();
    case 'open_deployment':
      return deps.showDeployment(action.id);
    case 'copy_gateway_url':
      return deps.copyText(deps.gatewayUrl());
    case 'open_logs':
      return deps.openFolder(deps.logDir);
    case 'toggle_mute':
      return deps.toggleMute(action.kind);
    case 'toggle_open_at_login':
      return deps.toggleOpenAtLogin();
    case 'quit':
      return deps.quit();
    case 'extend':
    case 'start_demo':
      return;
  }
}
