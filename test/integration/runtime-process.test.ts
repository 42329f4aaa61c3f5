import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LaunchSpec } from '../../src-main/agent/runtime/container-runtime.js';
import {
  ProcessRuntime,
  type ProcessRuntimeOptions,
} from '../../src-main/agent/runtime/process-runtime.js';
import { RuntimeRegistry } from '../../src-main/agent/runtime/runtimes.js';
import { waitFor } from '../helpers/wait.js';
import { collectLogs, testSpec } from '../helpers/runtime-spec.js';

const APP = fileURLToPath(new URL('../fixtures/engine/probe-app.mjs', import.meta.url));
const SHIM_SRC = fileURLToPath(
  new URL('../../src-main/agent/runtime/process-shim.ts', import.meta.url),
);
const RUNTIME_SRC = fileURLToPath(
  new URL('../../src-main/agent/runtime/process-runtime.ts', import.meta.url),
);

let work: string;
let opts: ProcessRuntimeOptions;
let rt: ProcessRuntime;
let launcher: string;

const spec = (name: string, over: Partial<LaunchSpec> = {}) =>
  testSpec(name, 'ignored', { 'aerie.key': name }, over);

async function hasLine(id: string, text: string): Promise<boolean> {
  return (await collectLogs(rt.logs(id, { follow: false }))).some((l) => l.text === text);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'aerie-procrt-'));
  // The shim is normally `aerie agent-shim`; bundling just its module keeps this test independent
  // of the shared CLI build.
  const shimEntry = join(work, 'shim-entry.ts');
  writeFileSync(
    shimEntry,
    `import { runShim } from ${JSON.stringify(SHIM_SRC)};\nprocess.exitCode = await runShim(process.argv[2] ?? '');\n`,
  );
  const launcherEntry = join(work, 'launcher-entry.ts');
  writeFileSync(
    launcherEntry,
    `import { ProcessRuntime } from ${JSON.stringify(RUNTIME_SRC)};\n` +
      `const rt = new ProcessRuntime(JSON.parse(process.argv[2] ?? '{}'));\n` +
      `const info = await rt.run(JSON.parse(process.argv[3] ?? '{}'));\n` +
      `process.stdout.write(info.id);\n`,
  );
  await build({
    entryPoints: { shim: shimEntry, launcher: launcherEntry },
    outdir: work,
    bundle: true,
    format: 'esm',
    platform: 'node',
    outExtension: { '.js': '.mjs' },
    logLevel: 'error',
  });
  launcher = join(work, 'launcher.mjs');
  opts = {
    stateDir: join(work, 'state'),
    simCommand: [process.execPath, APP],
    shimCommand: [process.execPath, join(work, 'shim.mjs')],
  };
  rt = new ProcessRuntime(opts);
});

afterEach(async () => {
  for (const c of await rt.list([])) await rt.remove(c.id);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('process runtime', () => {
  it('runs the simulator command with the launch args and env, and reports it running', async () => {
    const info = await rt.run(
      spec('basic', { env: { GREETING: 'hi there', MODE: 'serve', AERIE_SIM_LOAD_S: '1' } }),
    );
    expect(info.id).toMatch(/^proc-[0-9a-f]{16}$/);
    expect(info).toMatchObject({
      name: 'basic',
      image: 'ignored',
      state: 'running',
      runtime: 'process',
      restartCount: 0,
    });
    expect(info.pid && alive(info.pid)).toBe(true);
    const lines = await collectLogs(rt.logs(info.id, { follow: true }), (l) => l.text === 'tick 2');
    expect(lines.find((l) => l.stream === 'stdout' && l.text.startsWith('args '))?.text).toBe(
      'args ["--model","m","--port","8001"]',
    );
    expect(lines.find((l) => l.stream === 'stderr')?.text).toBe('greeting hi there');
    for (const l of lines) expect(l.ts).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(await collectLogs(rt.logs(info.id, { follow: false, tail: 1 }))).toHaveLength(1);
    const future = Math.floor(Date.now() / 1000) + 3600;
    expect(
      await collectLogs(rt.logs(info.id, { follow: false, sinceUnixSeconds: future })),
    ).toEqual([]);
  });

  it('lists by label, replaces a same-name process, and removes idempotently', async () => {
    const a = await rt.run(spec('same'));
    const b = await rt.run(spec('other', { labels: { 'aerie.managed': 'true', role: 'b' } }));
    expect((await rt.list(['aerie.managed=true'])).map((c) => c.name).sort()).toEqual([
      'other',
      'same',
    ]);
    expect((await rt.list(['aerie.managed=true', 'role=b'])).map((c) => c.id)).toEqual([b.id]);
    const a2 = await rt.run(spec('same'));
    expect(a2.id).not.toBe(a.id);
    expect(await rt.inspect(a.id)).toBeNull();
    expect(a.pid !== null && alive(a.pid)).toBe(false);
    await rt.remove(b.id);
    await rt.remove(b.id);
    expect(await rt.inspect(b.id)).toBeNull();
    expect(await rt.inspect('proc-does-not-exist')).toBeNull();
    await expect(rt.stop('proc-does-not-exist', 1)).resolves.toBeUndefined();
  });

  it('restarts a crashing server with backoff and counts the restarts', async () => {
    const c = await rt.run(spec('crash', { env: { GREETING: 'hello', MODE: 'crash' } }));
    const greetings = async (): Promise<number> =>
      (await collectLogs(rt.logs(c.id, { follow: false }))).filter(
        (l) => l.text === 'greeting hello',
      ).length;
    // Every run logs its greeting into the same log; the third one means two restarts happened.
    await waitFor(async () => (await greetings()) >= 3, 20_000, 'three runs');
    // The last run's exit code stays visible while the next run goes on (or waits to start).
    expect(await rt.inspect(c.id)).toMatchObject({ exitCode: 1 });
    expect((await rt.inspect(c.id))?.restartCount).toBeGreaterThanOrEqual(2);
    await rt.stop(c.id, 5);
    const after = await rt.inspect(c.id);
    expect(after?.state).toBe('exited');
    // A stop can land between a restart and that run's greeting, hence the range.
    const runs = await greetings();
    expect(after?.restartCount).toBeGreaterThanOrEqual(runs - 1);
    expect(after?.restartCount).toBeLessThanOrEqual(runs);
  });

  it('restarts a server that exits cleanly with 0, as Docker’s unless-stopped does', async () => {
    const c = await rt.run(spec('exit0', { env: { GREETING: 'clean', MODE: 'exit0' } }));
    await waitFor(
      async () => ((await rt.inspect(c.id))?.restartCount ?? 0) >= 1,
      15_000,
      'a restart after the clean exit',
    );
    expect(await rt.inspect(c.id)).toMatchObject({ exitCode: 0 });
    await rt.stop(c.id, 5);
    expect((await rt.inspect(c.id))?.state).toBe('exited');
  });

  it('does not restart a server that exits with an error when restarts are off, and keeps its code', async () => {
    const c = await rt.run(spec('exit1', { env: { MODE: 'crash' }, restartUnlessStopped: false }));
    await waitFor(async () => (await rt.inspect(c.id))?.state === 'exited', 15_000, 'exit');
    expect(await rt.inspect(c.id)).toMatchObject({ exitCode: 1, restartCount: 0, pid: null });
  });

  it('stops gracefully within the grace period, and kills a server that ignores SIGTERM', async () => {
    const g = await rt.run(spec('graceful', { env: { MODE: 'graceful' } }));
    const k = await rt.run(spec('stubborn', { env: { MODE: 'ignore-term' } }));
    await waitFor(
      async () => (await hasLine(g.id, 'tick 1')) && (await hasLine(k.id, 'tick 1')),
      15_000,
      'ticks',
    );
    const follow = collectLogs(rt.logs(k.id, { follow: true }));
    await rt.stop(g.id, 30);
    expect(await rt.inspect(g.id)).toMatchObject({ state: 'exited', exitCode: 0 });
    expect(await hasLine(g.id, 'shutting down')).toBe(true);
    await rt.stop(k.id, 1);
    expect(await rt.inspect(k.id)).toMatchObject({ state: 'exited', exitCode: 137 });
    expect(k.pid !== null && alive(k.pid)).toBe(false);
    // The followed stream ends by itself once the process is gone.
    expect((await follow).some((l) => l.text === 'ignoring SIGTERM')).toBe(true);
    await rt.stop(k.id, 1);
  });

  it('is re-adopted by a new runtime after the process that launched it exited', async () => {
    const out = execFileSync(
      process.execPath,
      [launcher, JSON.stringify(opts), JSON.stringify(spec('adopted'))],
      {
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    const id = out.trim();
    expect(id).toMatch(/^proc-/);
    const fresh = new ProcessRuntime(opts);
    const info = await fresh.inspect(id);
    expect(info).toMatchObject({
      name: 'adopted',
      state: 'running',
      labels: { 'aerie.key': 'adopted' },
    });
    expect(info?.pid && alive(info.pid)).toBe(true);
    expect((await fresh.list(['aerie.key=adopted'])).map((c) => c.id)).toEqual([id]);
    await waitFor(
      async () =>
        (await collectLogs(fresh.logs(id, { follow: false }))).some((l) => l.text === 'tick 1'),
      15_000,
      'ticks after adoption',
    );
    await fresh.stop(id, 5);
    expect((await fresh.inspect(id))?.state).toBe('exited');
  });

  it('reports a process whose shim was killed as dead, and still removes it', async () => {
    const c = await rt.run(spec('orphan'));
    const st = JSON.parse(readFileSync(join(opts.stateDir, c.id, 'state.json'), 'utf8')) as {
      shimPid: number;
    };
    process.kill(st.shimPid, 'SIGKILL');
    await waitFor(async () => (await rt.inspect(c.id))?.state === 'dead', 10_000, 'dead state');
    await rt.remove(c.id);
    await waitFor(() => c.pid === null || !alive(c.pid), 10_000, 'server killed');
    expect(await rt.inspect(c.id)).toBeNull();
  });
});

describe('runtime registry with the process runtime', () => {
  it('offers the process runtime first when it is preferred, and refuses unknown ones with 409', async () => {
    const reg = new RuntimeRegistry({
      env: {
        DOCKER_HOST: `unix://${join(work, 'no-docker.sock')}`,
        PODMAN_SOCK: join(work, 'no-podman.sock'),
      },
      uid: 0,
      process: opts,
      preferred: 'process',
    });
    expect((await reg.available())[0]).toBe('process');
    expect((await reg.select()).name).toBe('process');
    const missing = await reg.get('docker').then(
      () => null,
      (e: unknown) => e,
    );
    expect(missing).toMatchObject({ code: 'conflict' });
    expect((missing as Error).message).toMatch(
      /Container runtime 'docker' is not available on this node \(available: process/,
    );
    await reg.close();
  });
});
