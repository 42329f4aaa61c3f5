// Electron entry: one instance, the same control plane as `aerie serve` (data in userData), and
// the thin shell around it. Every decision lives in a pure module under shell/ tested in Node;
// this file only connects them to Electron.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, clipboard, dialog, ipcMain, shell } from 'electron';
import electronLog from 'electron-log/main';
import { bootstrap, type ControlPlane } from './bootstrap.js';
import { loadServeConfig } from './config/serve-config.js';
import { StartupError } from './errors/startup-error.js';
import { createLogger, setLogSink } from './logging/logger.js';
import { installAppMenu } from './shell/app-menu.js';
import { installCrashGuard } from './shell/crash-guard.js';
import { FleetWatch, readFleetSnapshot } from './shell/fleet-watch.js';
import { installIpcBridge } from './shell/ipc-bridge.js';
import { uploadFile } from './http/file-upload.js';
import { localOrigin } from './shared/net.js';
import {
  QuitSequence,
  beforeQuitHandler,
  closeToTrayNotice,
  startsHidden,
} from './shell/lifecycle.js';
import { configureLogTransport } from './shell/log-transport.js';
import {
  electronLoginItem,
  loginItemSupport,
  setXdgAutostart,
  xdgAutostartEnabled,
} from './shell/login-item.js';
import { createMainWindow, type MainWindow } from './shell/main-window.js';
import { installNotifications, notify } from './shell/notifications.js';
import { installSecurityPolicy } from './shell/security.js';
import { PreferencesFile } from './shell/shell-preferences.js';
import { runTrayAction } from './shell/tray-actions.js';
import { createTray } from './shell/tray.js';
import { errorMessage } from './shared/errors.js';
import { SystemSetupSchema } from './shared/system.js';
import { AERIE_VERSION } from './shared/version.js';

const log = createLogger('shell');
const outDir = join(dirname(fileURLToPath(import.meta.url)), '..');
/** A bundle shipped in extraResources (packaged: `<resources>/<dir>`; from a checkout: `out/<dir>`). */
const bundled = (dir: 'agent' | 'sim', file: string) =>
  app.isPackaged ? join(process.resourcesPath, dir, file) : join(outDir, dir, file);
const agentPath = bundled('agent', 'aerie-agent.mjs');

let plane: ControlPlane | null = null;
let mainWindow: MainWindow | null = null;
let quitting = false;
const disposers: Array<() => void> = [];

function fail(title: string, message: string): void {
  log.error(title, { message });
  dialog.showErrorBox(title, message);
  quitting = true;
  app.exit(1);
}

const quit = new QuitSequence(
  [
    // The shell first (no tray clicks or IPC into a stopping plane), then the control plane
    // (demo node, loops, WS, HTTP, DB); models keep running on their nodes.
    { name: 'shell', run: () => disposers.splice(0).forEach((d) => d()) },
    { name: 'control plane', run: () => plane?.stop() },
  ],
  (step, err) => log.error('quit step failed', { step, err }),
);

function loginItem(prefs: PreferencesFile): { get(): boolean | null; toggle(): void } {
  const support = loginItemSupport(process.platform);
  return {
    get: () =>
      support === 'electron'
        ? app.getLoginItemSettings().openAtLogin
        : support === 'xdg-autostart'
          ? xdgAutostartEnabled(process.env)
          : null,
    toggle: () => {
      const next = !prefs.get().open_at_login;
      if (support === 'electron') app.setLoginItemSettings(electronLoginItem(next));
      if (support === 'xdg-autostart') setXdgAutostart(next, process.execPath, process.env);
      prefs.update((p) => ({ ...p, open_at_login: next }));
    },
  };
}

async function start(): Promise<void> {
  const userData = app.getPath('userData');
  const logDir = app.getPath('logs');
  setLogSink(configureLogTransport(electronLog, { dir: logDir }).sink);
  // Never removed: an error while quitting must not end the process before the database closes.
  installCrashGuard(process, { log });
  installSecurityPolicy();
  installAppMenu(logDir);
  const prefs = new PreferencesFile(join(userData, 'shell-preferences.json'), (err) =>
    log.warn('cannot save shell preferences', { err }),
  );

  // Same configuration path as `aerie serve`: AERIE_* variables win, userData is the default dir.
  const loaded = loadServeConfig([], { AERIE_DATA_DIR: userData, ...process.env });
  if (!loaded.ok) return fail('Aerie: invalid configuration', loaded.problems.join('\n'));
  try {
    plane = await bootstrap(loaded.config, {
      consoleDir: join(outDir, 'renderer'),
      agentPath,
      // The demo node's simulators and monitors run as Electron in Node mode (the process
      // runtime sets ELECTRON_RUN_AS_NODE) on the bundled files: there is no `aerie` CLI here.
      startDemo: async (url, token) => {
        const { startDemoAgent } = await import('./demo-agent.js');
        return startDemoAgent(loaded.config.dataDir, url, token, {
          sim: [process.execPath, bundled('sim', 'aerie-vllm-sim.mjs')],
          shim: [process.execPath, bundled('agent', 'aerie-agent-shim.mjs')],
        });
      },
    });
  } catch (err) {
    if (err instanceof StartupError) return fail('Aerie cannot start', err.message);
    throw err;
  }
  const running = plane;
  const inject = (raw: unknown) => running.inject(raw);
  const win = createMainWindow({
    outDir,
    stateFile: join(userData, 'window-state.json'),
    isQuitting: () => quitting,
    closeToTrayTold: () => prefs.get().close_to_tray_told,
    onFirstHide: () => {
      const n = closeToTrayNotice(process.platform);
      notify(n.title, n.body);
      prefs.update((p) => ({ ...p, close_to_tray_told: true }));
    },
    startHidden: startsHidden(process.argv, app.getLoginItemSettings().wasOpenedAtLogin),
  });
  mainWindow = win;

  // Subscribed before the snapshot is read, so nothing between the two is lost.
  const watch = new FleetWatch();
  disposers.push(running.events.onAny((e) => watch.apply(e)));
  const setup = SystemSetupSchema.safeParse(
    (await inject({ method: 'GET', path: '/api/system/setup' })).body,
  );
  const gatewayUrl = `${setup.success ? setup.data.control_plane_url : running.url}/v1`;
  readFleetSnapshot(inject)
    .then((s) => watch.load(s))
    .catch((err: unknown) => log.error('tray snapshot failed', { err }));

  const login = loginItem(prefs);
  const tray = createTray({
    resourcesDir: join(app.getAppPath(), 'resources'),
    watch,
    context: () => ({
      version: AERIE_VERSION,
      gatewayUrl,
      muted: prefs.get().muted,
      openAtLogin: login.get(),
      offerDemo: watch.current.nodes.size === 0 && !running.demo.status().running,
    }),
    run: (action) =>
      void runTrayAction(action, {
        inject,
        showConsole: () => win.show(),
        showDeployment: (id) => win.showDeployment(id),
        copyText: (text) => clipboard.writeText(text),
        openFolder: (path) => void shell.openPath(path),
        gatewayUrl: () => gatewayUrl,
        logDir,
        toggleMute: (kind) => {
          prefs.update((p) => ({ ...p, muted: { ...p.muted, [kind]: !p.muted[kind] } }));
          tray.refresh();
        },
        toggleOpenAtLogin: () => {
          login.toggle();
          tray.refresh();
        },
        quit: () => app.quit(),
        report: (title, body) => notify(title, body),
        log,
      }).catch((err: unknown) => log.error('tray action failed', { action: action.type, err })),
  });
  disposers.push(
    () => tray.dispose(),
    installIpcBridge({
      ipc: ipcMain,
      window: win.window,
      pageUrl: win.pageUrl,
      inject,
      upload: (raw, onProgress) =>
        uploadFile(
          localOrigin(loaded.config.host, running.port),
          running.tokens.admin,
          raw,
          onProgress,
        ),
      events: running.events,
    }),
    installNotifications(
      watch,
      () => prefs.get().muted,
      (id) => win.showDeployment(id),
    ),
  );
}

if (!app.requestSingleInstanceLock()) {
  // Another Aerie owns the port and the database; it shows its window (second-instance below).
  app.quit();
} else {
  app.on('second-instance', () => mainWindow?.show());
  app.on('activate', () => mainWindow?.show());
  // Closing the window keeps the control plane serving the LAN from the tray.
  app.on('window-all-closed', () => undefined);
  app.on(
    'before-quit',
    beforeQuitHandler(quit, () => {
      quitting = true;
      app.quit();
    }),
  );
  app.on('before-quit', () => (quitting = true));
  app
    .whenReady()
    .then(start)
    .catch((err: unknown) => fail('Aerie failed to start', errorMessage(err)));
}
