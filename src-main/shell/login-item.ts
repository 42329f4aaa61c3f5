// Start at login. macOS and Windows: Electron's login item settings (built here as data). Linux
// has no Electron support for it: an XDG autostart entry (`~/.config/autostart/aerie.desktop`),
// written and removed here with plain fs, so it is tested without Electron.
import { mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { HIDDEN_FLAG } from './lifecycle.js';

/** How this platform starts apps at login, or null where the shell cannot set it up. */
export type LoginItemSupport = 'electron' | 'xdg-autostart' | null;

export function loginItemSupport(platform: string): LoginItemSupport {
  if (platform === 'darwin' || platform === 'win32') return 'electron';
  if (platform === 'linux') return 'xdg-autostart';
  return null;
}

/** Arguments for Electron's `app.setLoginItemSettings` (the app starts hidden, in the tray). */
export function electronLoginItem(enabled: boolean): {
  openAtLogin: boolean;
  openAsHidden: boolean;
  args: string[];
} {
  return { openAtLogin: enabled, openAsHidden: true, args: [HIDDEN_FLAG] };
}

/** Quotes an Exec argument per the Desktop Entry spec. */
function execArg(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)
    ? arg
    : `"${arg.replace(/[\\"`$]/g, (c) => `\\${c}`)}"`;
}

/** Where the autostart entry goes (`$XDG_CONFIG_HOME/autostart`, default `~/.config/autostart`). */
export function autostartFile(env: Readonly<Record<string, string | undefined>>): string {
  const config = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(config, 'autostart', 'aerie.desktop');
}

/**
 * The autostart entry. An AppImage must be started through `$APPIMAGE` (the mounted path changes
 * every run); otherwise the executable itself.
 */
export function autostartEntry(
  execPath: string,
  env: Readonly<Record<string, string | undefined>>,
): string {
  const program = env.APPIMAGE || execPath;
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Aerie',
    'Comment=Control plane for a LAN fleet of vLLM GPU hosts',
    `Exec=${execArg(program)} ${HIDDEN_FLAG}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/** Writes or removes the Linux autostart entry; returns whether it is present afterwards. */
export function setXdgAutostart(
  enabled: boolean,
  execPath: string,
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  const file = autostartFile(env);
  if (enabled) {
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, autostartEntry(execPath, env));
  } else {
    rmSync(file, { force: true });
  }
  return existsSync(file);
}

/** Whether the Linux autostart entry is there (the file is the truth, not the preferences). */
export function xdgAutostartEnabled(env: Readonly<Record<string, string | undefined>>): boolean {
  return existsSync(autostartFile(env));
}
