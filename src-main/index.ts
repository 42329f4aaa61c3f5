// Electron entry: one instance, the same control plane as `aerie serve` (data in userData), and
// the thin shell around it. Everything with logic lives outside shell/ and is tested in Node.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, dialog, ipcMain } from 'electron';
import { bootstrap, type ControlPlane } from './bootstrap.js';
import { loadServeConfig } from './config/serve-config.js';
import { StartupError } from './errors/startup-error.js';
import { createLogger, setLogSink } from './logging/logger.js';
import { installIpcBridge } from './shell/ipc-bridge.js';
import { fileLogSink } from './shell/log-file.js';
import { createMainWindow, type MainWindow } from './shell/main-window.js';
import { installNotifications } from './shell/notifications.js';
import { installSecurityPolicy } from './shell/security.js';
import { createTray } from './shell/tray.js';
import { errorMessage } from './shared/errors.js';

const log = createLogger('shell');
const outDir = join(dirname(fileURLToPath(import.meta.url)), '..');

let plane: ControlPlane | null = null;
let mainWindow: MainWindow | null = null;
let quitting = false;
let stopped = false;
const disposers: Array<() => void> = [];

function fail(title: string, message: string): void {
  log.error(title, { message });
  dialog.showErrorBox(title, message);
  quitting = true;
  app.exit(1);
}

async function start(): Promise<void> {
  const userData = app.getPath('userData');
  setLogSink(fileLogSink(join(userData, 'logs')).sink);
  installSecurityPolicy();

  // Same configuration path as `aerie serve`: AERIE_* variables win, userData is the default dir.
  const loaded = loadServeConfig([], { AERIE_DATA_DIR: userData, ...process.env });
  if (!loaded.ok) {
    fail('Aerie: invalid configuration', loaded.problems.join('\n'));
    return;
  }
  try {
    plane = await bootstrap(loaded.config, { consoleDir: join(outDir, 'renderer') });
  } catch (err) {
    if (err instanceof StartupError) {
      fail('Aerie cannot start', err.message);
      return;
    }
    throw err;
  }
  const running = plane;
  const win = createMainWindow({
    outDir,
    stateFile: join(userData, 'window-state.json'),
    isQuitting: () => quitting,
  });
  mainWindow = win;
  disposers.push(
    installIpcBridge({
      ipc: ipcMain,
      window: win.window,
      pageUrl: win.pageUrl,
      inject: (raw) => running.inject(raw),
      events: running.events,
    }),
    installNotifications(running.events, () => win.show()),
  );
  const tray = createTray({
    iconPath: join(
      app.getAppPath(),
      'resources',
      process.platform === 'darwin' ? 'trayTemplate.png' : 'tray.png',
    ),
    port: running.port,
    inject: (raw) => running.inject(raw),
    openConsole: () => win.show(),
    quit: () => app.quit(),
  });
  disposers.push(() => tray.dispose());
}

if (!app.requestSingleInstanceLock()) {
  // Another Aerie owns the port and the database; it shows its window (second-instance below).
  app.quit();
} else {
  app.on('second-instance', () => mainWindow?.show());
  app.on('activate', () => mainWindow?.show());
  // Closing the window keeps the control plane serving the LAN from the tray.
  app.on('window-all-closed', () => undefined);
  app.on('before-quit', (event) => {
    quitting = true;
    if (stopped || !plane) return;
    event.preventDefault();
    for (const dispose of disposers.splice(0)) dispose();
    const stopping = plane.stop();
    plane = null;
    void stopping
      .catch((err: unknown) => log.error('control plane stop failed', { err }))
      .finally(() => {
        stopped = true;
        app.quit();
      });
  });
  app
    .whenReady()
    .then(start)
    .catch((err: unknown) => fail('Aerie failed to start', errorMessage(err)));
}
