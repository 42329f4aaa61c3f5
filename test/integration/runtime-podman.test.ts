import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LaunchSpec } from '../../src-main/agent/runtime/container-runtime.js';
import { EngineRuntime } from '../../src-main/agent/runtime/engine-runtime.js';
import { RuntimeError } from '../../src-main/agent/runtime/runtime-error.js';
import { RuntimeRegistry } from '../../src-main/agent/runtime/runtimes.js';
import { type PodmanService, buildNodeImage, startPodmanService } from '../helpers/podman.js';
import { collectLogs, testSpec } from '../helpers/runtime-spec.js';
import { waitFor } from '../helpers/wait.js';

const APP = fileURLToPath(new URL('../fixtures/engine/probe-app.mjs', import.meta.url));
const IMAGE = 'localhost/aerie-probe:test';
const RUN = `r${process.pid}`;

let svc: PodmanService;
let rt: EngineRuntime;
let hostDir: string;

const spec = (name: string, over: Partial<LaunchSpec> = {}) =>
  testSpec(`${RUN}-${name}`, IMAGE, { 'aerie.run': RUN }, over);

beforeAll(async () => {
  svc = await startPodmanService();
  buildNodeImage(svc.sock, IMAGE, { files: { '/app.mjs': APP }, entrypoint: ['node', '/app.mjs'] });
  rt = new EngineRuntime({ name: 'podman', socketPath: svc.sock });
  hostDir = mkdtempSync(join(tmpdir(), 'aerie-mount-'));
});

afterEach(async () => {
  // A failed test must not leave containers behind that later label queries would see.
  for (const c of await rt.list([`aerie.run=${RUN}`])) await rt.remove(c.id);
});

afterAll(async () => {
  await rt?.close();
  await svc?.stop();
  if (hostDir) rmSync(hostDir, { recursive: true, force: true });
});

describe('Engine API runtime against a real Podman service', () => {
  it('negotiates the API version from the engine and recognises Podman', async () => {
    const info = await rt.info();
    expect(info.kind).toBe('podman');
    expect(info.version).toMatch(/^\d+\.\d+/);
    expect(info.apiVersion).toMatch(/^1\.\d+$/);
    expect(await rt.ping()).toBe(true);
    expect(
      await new EngineRuntime({ name: 'docker', socketPath: join(hostDir, 'none.sock') }).ping(),
    ).toBe(false);
  });

  it('runs a container with args, env, labels and host-path mounts, as host-network init container', async () => {
    writeFileSync(join(hostDir, 'input.txt'), 'from the host');
    const info = await rt.run(
      spec('mounts', {
        env: {
          GREETING: 'hi there',
          MODE: 'serve',
          SHOW_NS: '1',
          WRITE_TO: '/out/result.txt',
          READ_FROM: '/in/input.txt',
        },
        mounts: [
          { source: hostDir, target: '/out', readOnly: false },
          { source: hostDir, target: '/in', readOnly: true },
        ],
      }),
    );
    expect(info.state).toBe('running');
    expect(info.pid).toBeGreaterThan(0);
    expect(info.labels['aerie.run']).toBe(RUN);
    const result = join(hostDir, 'result.txt');
    await waitFor(
      () => existsSync(result) && readFileSync(result, 'utf8') === 'written by serve',
      15_000,
      'file from the container',
    );
    const got = new Set<string>();
    const lines = await collectLogs(rt.logs(info.id, { follow: true }), (l) => {
      got.add(l.text.split(' ')[0] ?? '');
      return got.has('read') && got.has('greeting') && got.has('ns');
    });
    expect(lines.find((l) => l.stream === 'stdout' && l.text.startsWith('args '))?.text).toBe(
      'args ["--model","m","--port","8001"]',
    );
    expect(lines.find((l) => l.stream === 'stderr')?.text).toBe('greeting hi there');
    expect(lines.find((l) => l.text.startsWith('read '))?.text).toBe('read from the host');
    // Host IPC and network namespaces, checked from inside (Podman 4.3 reports IpcMode "shareable").
    const hostNs = `ns ${readlinkSync('/proc/self/ns/ipc')} ${readlinkSync('/proc/self/ns/net')}`;
    expect(lines.find((l) => l.text.startsWith('ns '))?.text).toBe(hostNs);
    const raw = await rt.api.json<{ HostConfig: Record<string, unknown> }>(
      `/containers/${info.id}/json`,
    );
    expect(raw?.HostConfig).toMatchObject({
      NetworkMode: 'host',
      Init: true,
      RestartPolicy: { Name: 'unless-stopped' },
    });
    expect(raw?.HostConfig.DeviceRequests ?? null).toBeNull();
    await rt.remove(info.id);
  });

  it('lists containers by label, ANDing several labels', async () => {
    const a = await rt.run(spec('list-a', { labels: { 'aerie.run': RUN, role: 'a' } }));
    const b = await rt.run(spec('list-b', { labels: { 'aerie.run': RUN, role: 'b' } }));
    const both = await rt.list([`aerie.run=${RUN}`]);
    expect(both.map((c) => c.name).sort()).toEqual([a.name, b.name].sort());
    expect((await rt.list([`aerie.run=${RUN}`, 'role=b'])).map((c) => c.id)).toEqual([b.id]);
    expect(await rt.list(['role=nobody'])).toEqual([]);
    await rt.remove(a.id);
    await rt.remove(b.id);
  });

  it('restarts a crashing container under unless-stopped and counts the restarts', async () => {
    // Podman 4.3's compat API honours unless-stopped: conmon's cleanup restarts the container at
    // once (no backoff) and inspect's RestartCount grows with each restart.
    const c = await rt.run(spec('crash', { env: { MODE: 'crash' } }));
    await waitFor(
      async () => ((await rt.inspect(c.id))?.restartCount ?? 0) >= 2,
      30_000,
      'two restarts',
    );
    await rt.stop(c.id, 5);
    const after = await rt.inspect(c.id);
    expect(after?.state).toBe('exited');
    expect(after?.restartCount).toBeGreaterThanOrEqual(2);
    expect(after?.pid).toBeNull();
    await rt.remove(c.id);
  });

  it('reports the exit code of a container that is not restarted', async () => {
    const c = await rt.run(spec('exit1', { env: { MODE: 'crash' }, restartUnlessStopped: false }));
    await waitFor(async () => (await rt.inspect(c.id))?.state === 'exited', 15_000, 'exit');
    const info = await rt.inspect(c.id);
    expect(info?.exitCode).toBe(1);
    expect(info?.restartCount).toBe(0);
    await rt.remove(c.id);
  });

  it('follows logs with timestamps and ends the stream when the container stops', async () => {
    const c = await rt.run(spec('follow', { env: { MODE: 'split' } }));
    const ac = new AbortController();
    const seen = collectLogs(rt.logs(c.id, { follow: true, signal: ac.signal }));
    await waitFor(
      async () =>
        (await collectLogs(rt.logs(c.id, { follow: false }))).some((l) => l.text === 'tick 3'),
      15_000,
      'tick 3',
    );
    await rt.stop(c.id, 5);
    const lines = await seen;
    expect(lines.find((l) => l.stream === 'stderr' && l.text.startsWith('first half'))?.text).toBe(
      'first half second half',
    );
    expect(lines.filter((l) => l.text.startsWith('tick ')).length).toBeGreaterThanOrEqual(4);
    for (const l of lines) expect(Number.isNaN(Date.parse(l.ts))).toBe(false);
    const tail = await collectLogs(rt.logs(c.id, { follow: false, tail: 2 }));
    expect(tail).toHaveLength(2);
    const future = Math.floor(Date.now() / 1000) + 3600;
    expect(await collectLogs(rt.logs(c.id, { follow: false, sinceUnixSeconds: future }))).toEqual(
      [],
    );
    await rt.remove(c.id);
  });

  it('stops a process that ignores SIGTERM by killing it after the grace period', async () => {
    const c = await rt.run(spec('ignore-term', { env: { MODE: 'ignore-term' } }));
    await waitFor(
      async () =>
        (await collectLogs(rt.logs(c.id, { follow: false }))).some((l) => l.text === 'tick 1'),
      15_000,
      'ticks',
    );
    await rt.stop(c.id, 1);
    const killed = await rt.inspect(c.id);
    expect(killed?.state).toBe('exited');
    expect(killed?.exitCode).toBe(137);
    const logs = await collectLogs(rt.logs(c.id, { follow: false }));
    expect(logs.some((l) => l.text === 'ignoring SIGTERM')).toBe(true);
    await rt.stop(c.id, 1);
    await rt.remove(c.id);
    await rt.remove(c.id);
    expect(await rt.inspect(c.id)).toBeNull();
  });

  it('stops a graceful process within the grace period with its own exit code', async () => {
    const c = await rt.run(spec('graceful', { env: { MODE: 'graceful' } }));
    await waitFor(
      async () =>
        (await collectLogs(rt.logs(c.id, { follow: false }))).some((l) => l.text === 'tick 1'),
      15_000,
      'ticks',
    );
    await rt.stop(c.id, 30);
    expect((await rt.inspect(c.id))?.exitCode).toBe(0);
    await rt.remove(c.id);
  });

  it('replaces a stale container with the same name', async () => {
    const first = await rt.run(spec('stale'));
    const second = await rt.run(spec('stale'));
    expect(second.id).not.toBe(first.id);
    expect(await rt.inspect(first.id)).toBeNull();
    expect((await rt.inspect(second.id))?.state).toBe('running');
    await rt.remove(second.id);
  });

  it('reuses a present image without pulling, and fails a pull clearly when no registry answers', async () => {
    const progress: unknown[] = [];
    const local = await rt.ensureImage(IMAGE, {
      mutable: false,
      onProgress: (p) => progress.push(p),
    });
    expect(local.imageId).toMatch(/^(sha256:)?[0-9a-f]{64}$/);
    expect(progress).toEqual([]);
    const err = await rt
      .ensureImage('localhost/aerie-missing:1', { mutable: false })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect((err as RuntimeError).code).toBe('internal');
    expect((err as RuntimeError).detail).toMatch(
      /^Failed to pull image localhost\/aerie-missing:1: .+/,
    );
    // A mutable tag is always re-pulled, even when present.
    await expect(rt.ensureImage(IMAGE, { mutable: true })).rejects.toThrow(/Failed to pull image/);
  });

  it('refuses to pass real GPUs through a Podman older than 5.4 with the upgrade remedy', async () => {
    const err = await rt.run(spec('gpu', { passGpus: true, gpuIds: [0] })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect((err as RuntimeError).code).toBe('conflict');
    expect((err as RuntimeError).detail).toMatch(/^Podman \S+ cannot pass GPUs.*Upgrade Podman/);
  });

  it('reports a missing container as null, and a start failure with the engine message', async () => {
    expect(await rt.inspect('no-such-container')).toBeNull();
    await expect(rt.stop('no-such-container', 1)).resolves.toBeUndefined();
    await expect(
      collectLogs(rt.logs('no-such-container', { follow: false })),
    ).rejects.toMatchObject({
      code: 'not_found',
    });
    const err = await rt
      .run(spec('bad-image', { image: 'localhost/aerie-absent:1' }))
      .catch((e: unknown) => e);
    expect((err as RuntimeError).code).toBe('not_found');
    expect((err as RuntimeError).detail).toMatch(/aerie-absent/);
  });
});

describe('runtime registry with a Podman socket', () => {
  it('reports a "docker" socket that is really Podman as Podman', async () => {
    const warnings: string[] = [];
    const reg = new RuntimeRegistry({
      env: {
        DOCKER_HOST: `unix://${svc.sock}`,
        PODMAN_SOCK: join(hostDir, 'absent.sock'),
        XDG_RUNTIME_DIR: hostDir,
      },
      uid: 0,
      onWarning: (w) => warnings.push(w),
    });
    const probes = await reg.probe();
    expect(probes.filter((p) => p.socketPath === svc.sock)).toEqual([
      expect.objectContaining({ name: 'docker', kind: 'podman', socketPath: svc.sock }),
    ]);
    expect(warnings.join('\n')).toMatch(/served by Podman/);
    const docker = await reg.select('docker');
    expect((await docker.info()).kind).toBe('podman');
    await reg.close();
  });

  it('lists the socket once when DOCKER_HOST and PODMAN_SOCK are the same service', async () => {
    const reg = new RuntimeRegistry({
      env: { DOCKER_HOST: `unix://${svc.sock}`, PODMAN_SOCK: svc.sock },
      uid: 0,
    });
    expect((await reg.probe()).filter((p) => p.socketPath === svc.sock).map((p) => p.name)).toEqual(
      ['podman'],
    );
    await reg.close();
  });
});
