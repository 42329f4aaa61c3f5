import { Menu, Tray, nativeImage, shell } from 'electron';
import { createLogger } from '../logging/logger.js';
import { ApiHealthSchema } from '../shared/health.js';
import type { IpcResponse } from '../shared/ipc.js';
import { AERIE_VERSION } from '../shared/version.js';

const log = createLogger('shell');

export interface TrayDeps {
  iconPath: string;
  /** Port the control plane listens on, for "Open in browser". */
  port: number;
  /** The bridge function: the tray reads its status through the same API as everyone else. */
  inject: (raw: unknown) => Promise<IpcResponse>;
  openConsole: () => void;
  quit: () => void;
}

async function statusLine(inject: TrayDeps['inject']): Promise<string> {
  try {
    const res = await inject({ method: 'GET', path: '/api/health' });
    const health = ApiHealthSchema.safeParse(res.body);
    if (res.status !== 200 || !health.success) return `Status: unknown (HTTP ${res.status})`;
    const failing = health.data.loops.filter((l) => l.last_error !== null).length;
    return failing === 0 ? 'Status: healthy' : `Status: ${failing} background loop(s) failing`;
  } catch (err) {
    log.warn('tray status refresh failed', { err });
    return 'Status: unknown';
  }
}

/** The tray icon: status summary, open console, quit. Refreshes its summary every 15 s. */
export function createTray(deps: TrayDeps): { dispose(): void } {
  const tray = new Tray(nativeImage.createFromPath(deps.iconPath));
  tray.setToolTip(`Aerie ${AERIE_VERSION}`);
  const render = (status: string) => {
    tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: `Aerie ${AERIE_VERSION} — port ${deps.port}`, enabled: false },
        { label: status, enabled: false },
        { type: 'separator' },
        { label: 'Open console', click: deps.openConsole },
        {
          label: 'Open web console in browser',
          click: () => void shell.openExternal(`http://127.0.0.1:${deps.port}/`),
        },
        { type: 'separator' },
        { label: 'Quit Aerie', click: deps.quit },
      ]),
    );
  };
  const refresh = () => void statusLine(deps.inject).then(render);
  render('Status: starting…');
  refresh();
  const timer = setInterval(refresh, 15_000);
  timer.unref();
  tray.on('click', deps.openConsole);
  return {
    dispose: () => {
      clearInterval(timer);
      tray.destroy();
    },
  };
}
