import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { installCrashGuard } from '../../../src-main/shell/crash-guard.js';
import {
  QuitSequence,
  beforeQuitHandler,
  closeToTrayNotice,
  decideClose,
  startsHidden,
} from '../../../src-main/shell/lifecycle.js';
import {
  autostartEntry,
  autostartFile,
  electronLoginItem,
  loginItemSupport,
  setXdgAutostart,
  xdgAutostartEnabled,
} from '../../../src-main/shell/login-item.js';
import { startInProcess } from '../../helpers/control-plane.js';

describe('closing the window', () => {
  it('hides to the tray and says so the first time only; closes while quitting', () => {
    expect(decideClose({ quitting: false, toldBefore: false })).toEqual({
      action: 'hide',
      tell: true,
    });
    expect(decideClose({ quitting: false, toldBefore: true })).toEqual({
      action: 'hide',
      tell: false,
    });
    expect(decideClose({ quitting: true, toldBefore: false })).toEqual({ action: 'close' });
    expect(closeToTrayNotice('darwin').body).toContain('menu bar');
    expect(closeToTrayNotice('linux').body).toContain('system tray');
  });

  it('starts in the tray when opened at login or with --hidden', () => {
    expect(startsHidden(['/opt/Aerie/aerie'], false)).toBe(false);
    expect(startsHidden(['/opt/Aerie/aerie', '--hidden'], false)).toBe(true);
    expect(startsHidden(['/opt/Aerie/aerie'], true)).toBe(true);
  });
});

describe('quit order', () => {
  it('runs each step once, in order, even when a step fails, and lets the second quit through', async () => {
    const done: string[] = [];
    const errors: string[] = [];
    const seq = new QuitSequence(
      [
        { name: 'shell', run: () => void done.push('shell') },
        {
          name: 'control plane',
          run: async () => {
            await new Promise((r) => setImmediate(r));
            done.push('control plane');
            throw new Error('db busy');
          },
        },
        { name: 'logs', run: () => void done.push('logs') },
      ],
      (step, err) => errors.push(`${step}: ${(err as Error).message}`),
    );
    let quits = 0;
    let prevented = 0;
    const handler = beforeQuitHandler(seq, () => quits++);
    const event = { preventDefault: () => prevented++ };
    handler(event);
    handler(event); // a second Quit click while stopping
    await seq.run();
    await new Promise((r) => setImmediate(r));
    expect(done).toEqual(['shell', 'control plane', 'logs']);
    expect(errors).toEqual(['control plane: db busy']);
    expect(prevented).toBe(2);
    expect(quits).toBe(2);
    handler(event); // the quit that follows goes through
    expect(prevented).toBe(2);
  });

  it('stops a real control plane in the quit sequence: its port closes, the data dir unlocks', async () => {
    const plane = await startInProcess();
    try {
      const order: string[] = [];
      const seq = new QuitSequence(
        [
          { name: 'shell', run: () => void order.push('shell') },
          { name: 'control plane', run: () => plane.stop().then(() => void order.push('plane')) },
        ],
        () => undefined,
      );
      await seq.run();
      expect(order).toEqual(['shell', 'plane']);
      await expect(fetch(`${plane.url}/api/health`)).rejects.toThrow();
      const again = await startInProcess(['--data-dir', plane.dataDir]);
      await again.stop();
    } finally {
      rmSync(plane.dataDir, { recursive: true, force: true });
    }
  });
});

describe('crash guard', () => {
  it('logs an uncaught exception and a rejection instead of ending the process, until removed', async () => {
    const plane = await startInProcess();
    const proc = new EventEmitter();
    const logged: { msg: string; fields?: Record<string, unknown> }[] = [];
    const crashes: string[] = [];
    const remove = installCrashGuard(proc, {
      log: { error: (msg, fields) => logged.push({ msg, ...(fields && { fields }) }) },
      onCrash: (kind) => crashes.push(kind),
    });
    try {
      proc.emit('uncaughtException', new Error('tray callback broke'), 'uncaughtException');
      proc.emit('unhandledRejection', new Error('late promise'));
      expect(crashes).toEqual(['uncaught_exception', 'unhandled_rejection']);
      expect(logged[0]?.msg).toMatch(/control plane keeps serving/);
      expect((logged[0]?.fields?.err as Error).message).toBe('tray callback broke');
      // The control plane in this process still answers.
      expect((await fetch(`${plane.url}/api/health`)).status).toBe(200);
      remove();
      expect(proc.listenerCount('uncaughtException')).toBe(0);
      expect(proc.listenerCount('unhandledRejection')).toBe(0);
    } finally {
      await plane.stop();
      rmSync(plane.dataDir, { recursive: true, force: true });
    }
  });
});

describe('start at login', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('uses Electron’s login items on macOS and Windows, an XDG autostart entry on Linux', () => {
    expect(loginItemSupport('darwin')).toBe('electron');
    expect(loginItemSupport('win32')).toBe('electron');
    expect(loginItemSupport('linux')).toBe('xdg-autostart');
    expect(loginItemSupport('freebsd')).toBeNull();
    expect(electronLoginItem(true)).toEqual({
      openAtLogin: true,
      openAsHidden: true,
      args: ['--hidden'],
    });
  });

  it('starts an AppImage through $APPIMAGE, quoting a path with spaces', () => {
    expect(
      autostartEntry('/tmp/.mount_x/aerie', { APPIMAGE: '/home/u/Apps/Aerie 0.1.AppImage' }),
    ).toContain('Exec="/home/u/Apps/Aerie 0.1.AppImage" --hidden\n');
    expect(autostartEntry('/opt/Aerie/aerie', {})).toContain('Exec=/opt/Aerie/aerie --hidden\n');
    expect(autostartFile({ XDG_CONFIG_HOME: '/x' })).toBe('/x/autostart/aerie.desktop');
    expect(autostartFile({ HOME: '/home/u' })).toBe('/home/u/.config/autostart/aerie.desktop');
  });

  it('writes and removes the autostart entry', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aerie-xdg-'));
    dirs.push(dir);
    const env = { XDG_CONFIG_HOME: dir };
    expect(xdgAutostartEnabled(env)).toBe(false);
    expect(setXdgAutostart(true, '/opt/Aerie/aerie', env)).toBe(true);
    expect(readFileSync(join(dir, 'autostart', 'aerie.desktop'), 'utf8')).toMatch(
      /^\[Desktop Entry\]\n/,
    );
    expect(setXdgAutostart(false, '/opt/Aerie/aerie', env)).toBe(false);
    expect(existsSync(join(dir, 'autostart', 'aerie.desktop'))).toBe(false);
  });
});
