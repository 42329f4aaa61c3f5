import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../../src-main/shared/events.js';
import { FleetWatch } from '../../../src-main/shell/fleet-watch.js';
import {
  NotificationPolicy,
  type MutedKinds,
  type NativeNotice,
} from '../../../src-main/shell/notification-policy.js';
import { PreferencesFile, parsePreferences } from '../../../src-main/shell/shell-preferences.js';
import { depRow, deployments, warning } from './fleet-events.js';

const NONE_MUTED: MutedKinds = {
  expiry_warning: false,
  expired: false,
  error: false,
  ready: false,
};

/** Feeds a snapshot and then events through a FleetWatch, as the shell does, collecting notices. */
function run(
  events: AppEvent[],
  muted: MutedKinds = NONE_MUTED,
  snapshot = [depRow({ id: 1, status: 'running', expiresInMin: 20 })],
) {
  const watch = new FleetWatch();
  const policy = new NotificationPolicy(() => muted);
  const shown: NativeNotice[] = [];
  watch.onChange((c) => shown.push(...policy.decide(c)));
  watch.load({ nodes: [], deployments: snapshot, warningMinutes: 30 });
  for (const e of events) watch.apply(e);
  return shown;
}

describe('notification policy', () => {
  it('shows nothing for the snapshot at start, whatever the statuses in it', () => {
    expect(
      run([], NONE_MUTED, [
        depRow({ id: 1, status: 'error' }),
        depRow({ id: 2, status: 'expired' }),
      ]),
    ).toEqual([]);
  });

  it('warns once per (deployment, expires_at), and again after an extension moves the deadline', () => {
    const shown = run([
      warning(1, 20, 20),
      warning(1, 20, 19), // the server after a restart
      deployments({ id: 1, status: 'running', expiresInMin: 80 }),
      warning(1, 80, 29),
    ]);
    expect(shown.map((n) => [n.kind, n.deploymentId, n.title])).toEqual([
      ['expiry_warning', 1, 'model-1 expires in 20 min'],
      ['expiry_warning', 1, 'model-1 expires in 29 min'],
    ]);
  });

  it('says ready when a launch reaches running, not when a paused model wakes', () => {
    const shown = run(
      [
        deployments({ id: 2, status: 'starting' }),
        deployments({ id: 2, status: 'loading', changedAtMin: 1 }),
        deployments({ id: 2, status: 'running', changedAtMin: 2 }),
        deployments({ id: 2, status: 'running', changedAtMin: 2 }),
        deployments({ id: 2, status: 'paused_ram', changedAtMin: 3 }),
        deployments({ id: 2, status: 'waking', changedAtMin: 4 }),
        deployments({ id: 2, status: 'running', changedAtMin: 5 }),
      ],
      NONE_MUTED,
      [],
    );
    expect(shown.map((n) => [n.kind, n.title])).toEqual([['ready', 'model-2 is ready']]);
  });

  it('reports an error with its reason, once per failure, and a deployment that fails at once', () => {
    const shown = run([
      deployments({ id: 1, status: 'error', changedAtMin: 1, lastError: 'CUDA out of memory' }),
      deployments({ id: 1, status: 'error', changedAtMin: 1, lastError: 'CUDA out of memory' }),
      deployments({ id: 3, status: 'error', changedAtMin: 1, lastError: 'gated repo' }),
    ]);
    expect(shown.map((n) => [n.kind, n.deploymentId, n.body])).toEqual([
      ['error', 1, 'CUDA out of memory'],
      ['error', 3, 'gated repo'],
    ]);
  });

  it('tells when a deployment expired, keyed by the deadline it had', () => {
    const shown = run([
      warning(1, 20, 1),
      deployments({ id: 1, status: 'expired', expiresInMin: 20, changedAtMin: 20 }),
      deployments({ id: 1, status: 'expired', expiresInMin: 20, changedAtMin: 20 }),
    ]);
    expect(shown.map((n) => n.kind)).toEqual(['expiry_warning', 'expired']);
    expect(shown[1]?.key).toBe(
      `expired:1:${depRow({ id: 1, status: 'expired', expiresInMin: 20 }).expires_at as string}`,
    );
  });

  it('drops muted kinds and keeps the others', () => {
    const shown = run(
      [warning(1, 20, 5), deployments({ id: 1, status: 'error', changedAtMin: 2 })],
      { ...NONE_MUTED, expiry_warning: true },
    );
    expect(shown.map((n) => n.kind)).toEqual(['error']);
  });
});

describe('shell preferences file (the shell’s own, not a server setting)', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('defaults to nothing muted and keeps what is valid of a damaged file', () => {
    expect(parsePreferences(null)).toEqual({
      muted: NONE_MUTED,
      close_to_tray_told: false,
      open_at_login: false,
    });
    expect(parsePreferences('{oops')).toEqual(parsePreferences(null));
    expect(
      parsePreferences(
        JSON.stringify({
          muted: { ready: true, error: 'x' },
          open_at_login: 3,
          close_to_tray_told: true,
        }),
      ),
    ).toEqual({
      muted: { ...NONE_MUTED, ready: true },
      close_to_tray_told: true,
      open_at_login: false,
    });
  });

  it('persists a mute across restarts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aerie-prefs-'));
    dirs.push(dir);
    const file = join(dir, 'shell-preferences.json');
    const prefs = new PreferencesFile(file);
    prefs.update((p) => ({ ...p, muted: { ...p.muted, expired: true } }));
    expect(new PreferencesFile(file).get().muted.expired).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ muted: { expired: true } });
  });

  it('reports a write that fails and keeps the change in memory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aerie-prefs-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'file'), '');
    const errors: unknown[] = [];
    const prefs = new PreferencesFile(join(dir, 'file', 'prefs.json'), (e) => errors.push(e));
    expect(prefs.update((p) => ({ ...p, open_at_login: true })).open_at_login).toBe(true);
    expect(errors).toHaveLength(1);
  });
});
