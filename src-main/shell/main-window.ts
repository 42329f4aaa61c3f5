import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BrowserWindow, screen } from 'electron';
import { createLogger } from '../logging/logger.js';
import { decideClose } from './lifecycle.js';
import { rendererLogLine } from './log-transport.js';
import {
  DEFAULT_WINDOW_SIZE,
  parseWindowState,
  restorableBounds,
  type WindowState,
} from './window-state.js';

const log = createLogger('shell');

export interface MainWindowOptions {
  /** Folder of the built bundles (`out/`), holding `preload/` and `renderer/`. */
  outDir: string;
  /** Where the window geometry is saved between runs. */
  stateFile: string;
  /** Asked on close: true while the app is quitting, otherwise closing only hides the window. */
  isQuitting: () => boolean;
  /** Whether the "still running in the tray" notice was shown before (shell preferences). */
  closeToTrayTold: () => boolean;
  /** Called the first time closing hid the window, to tell the user once. */
  onFirstHide: () => void;
  /** Start in the tray (login item, `--hidden`): the window is created but not shown. */
  startHidden: boolean;
}

export interface MainWindow {
  readonly window: BrowserWindow;
  /** The URL of the console page; IPC from any other document is refused. */
  readonly pageUrl: string;
  show(): void;
  /** Shows the console on one deployment (the console's `#/deployments/<id>` route). */
  showDeployment(id: number): void;
}

function readState(file: string): WindowState | null {
  try {
    return parseWindowState(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/** Creates the locked-down console window, restoring and persisting its geometry. */
export function createMainWindow(opts: MainWindowOptions): MainWindow {
  const saved = readState(opts.stateFile);
  const bounds = restorableBounds(
    saved,
    screen.getAllDisplays().map((d) => d.workArea),
  );
  const win = new BrowserWindow({
    ...(bounds ?? DEFAULT_WINDOW_SIZE),
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'Aerie',
    backgroundColor: '#0f172a',
    webPreferences: {
      preload: join(opts.outDir, 'preload', 'index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  if (bounds && saved?.maximized) win.maximize();

  // electron-vite's dev server publishes its URL here; a packaged app loads the built file.
  const devUrl = process.env.ELECTRON_RENDERER_URL;
  const file = join(opts.outDir, 'renderer', 'index.html');
  const pageUrl = devUrl ?? pathToFileURL(file).href;
  const load = devUrl ? win.loadURL(devUrl) : win.loadFile(file);
  load.catch((err: unknown) => log.error('console page failed to load', { err }));

  let saveTimer: NodeJS.Timeout | undefined;
  const saveState = () => {
    clearTimeout(saveTimer);
    if (win.isDestroyed() || win.isMinimized()) return;
    const b = win.getNormalBounds();
    const state: WindowState = { ...b, maximized: win.isMaximized() };
    try {
      writeFileSync(opts.stateFile, JSON.stringify(state));
    } catch (err) {
      log.warn('cannot save window state', { err });
    }
  };
  const saveSoon = () => {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(saveState, 500);
  };
  win.on('resize', saveSoon);
  win.on('move', saveSoon);
  if (!opts.startHidden) win.once('ready-to-show', () => win.show());
  win.on('close', (event) => {
    saveState();
    // The control plane keeps serving the LAN; the tray brings the window back.
    const decision = decideClose({
      quitting: opts.isQuitting(),
      toldBefore: opts.closeToTrayTold(),
    });
    if (decision.action === 'hide') {
      event.preventDefault();
      win.hide();
      if (decision.tell) opts.onFirstHide();
    }
  });
  // The page's warnings and errors go into the main log (redacted like every line).
  win.webContents.on('console-message', (event) => {
    const line = rendererLogLine(event.level, event.message, event.sourceId, event.lineNumber);
    if (line) log[line.level](line.msg, line.fields);
  });
  win.webContents.on('render-process-gone', (_event, details) =>
    log.error('console renderer gone', { reason: details.reason, exit_code: details.exitCode }),
  );

  const show = () => {
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  };
  return {
    window: win,
    pageUrl,
    show,
    showDeployment: (id) => {
      // A fragment change of the loaded page: a same-document navigation, no reload.
      const url = `${pageUrl.split('#')[0] ?? pageUrl}#/deployments/${id}`;
      win.loadURL(url).catch((err: unknown) => log.warn('cannot open the deployment', { err }));
      show();
    },
  };
}
