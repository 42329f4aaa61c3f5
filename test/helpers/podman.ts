// A real, private Podman service for integration tests: its own storage, state and lock files in
// a temp dir (so parallel test files and the host's containers never meet), runc as the OCI
// runtime, and images built locally from the running node binary (no registry is reachable).
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { waitFor } from './wait.js';

/** The simulator image the Podman suite runs. */
export const SIM_IMAGE = 'localhost/aerie-vllm-sim:test';

/** A running `podman system service` owned by one test file. */
export interface PodmanService {
  /** Unix socket path of the service. */
  sock: string;
  dir: string;
  /** Env for `podman` CLI calls that must see the same configuration. */
  env: NodeJS.ProcessEnv;
  /** `podman` CLI flags selecting this service's private storage. */
  storageFlags: string[];
  /** Removes every container, stops the service and deletes its storage. */
  stop(): Promise<void>;
}

const PACKAGES: { bins: string[]; pkg: string }[] = [
  { bins: ['/usr/bin/podman'], pkg: 'podman' },
  { bins: ['/usr/sbin/runc', '/usr/bin/runc'], pkg: 'runc' },
  // `Init: true` needs an init binary on the host; Debian installs podman without recommends.
  {
    bins: ['/usr/bin/catatonit', '/usr/libexec/podman/catatonit', '/usr/bin/tini'],
    pkg: 'catatonit',
  },
];

/** Installs podman, runc and catatonit with apt when missing (needs root); throws with the command otherwise. */
export function ensurePodmanInstalled(): void {
  const missing = PACKAGES.filter((p) => !p.bins.some((b) => existsSync(b))).map((p) => p.pkg);
  if (missing.length === 0) return;
  const cmd = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0)
    throw new Error(`The Podman suite needs ${missing.join(', ')}. Run as root: ${cmd}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', '--no-install-recommends', ...missing],
  ]) {
    const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (r.status !== 0)
      throw new Error(`'apt-get ${args.join(' ')}' failed (exit ${r.status}); run: ${cmd}`);
  }
}

/** GET /_ping over the socket; resolves false on any failure. */
function ping(sock: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath: sock, path: '/_ping', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** Starts a private Podman service and waits until it answers `/_ping`. */
export async function startPodmanService(): Promise<PodmanService> {
  ensurePodmanInstalled();
  const dir = mkdtempSync(join(tmpdir(), 'aerie-podman-'));
  const conf = join(dir, 'containers.conf');
  // File locks live under --tmpdir; the default shm locks are shared by every Podman on the host,
  // and a fresh store frees all of them on its first start.
  writeFileSync(
    conf,
    [
      '[containers]',
      'default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]',
      '[engine]',
      'runtime = "runc"',
      'lock_type = "file"',
      '',
    ].join('\n'),
  );
  const storageFlags = [
    '--root',
    join(dir, 'root'),
    '--runroot',
    join(dir, 'runroot'),
    '--tmpdir',
    join(dir, 'tmp'),
  ];
  const env = { ...process.env, CONTAINERS_CONF: conf };
  const sock = join(dir, 'podman.sock');
  const logPath = join(dir, 'service.log');
  const out = openSync(logPath, 'a');
  const proc: ChildProcess = spawn(
    'podman',
    [...storageFlags, 'system', 'service', '--time=0', `unix://${sock}`],
    {
      env,
      stdio: ['ignore', out, out],
    },
  );
  let exited = false;
  proc.once('exit', () => (exited = true));
  try {
    await waitFor(
      async () => exited || (await ping(sock)),
      30_000,
      'podman system service to answer /_ping',
    );
    if (exited) throw new Error('podman system service exited');
  } catch (err) {
    proc.kill('SIGKILL');
    for (const m of mountsUnder(dir)) spawnSync('umount', ['-l', m]);
    const log = existsSync(logPath) ? readFileSync(logPath, 'utf8').slice(-2000) : '';
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(err as Error).message}\n${log}`);
  }
  const podman = (args: string[]) =>
    spawnSync('podman', ['--url', `unix://${sock}`, ...args], { env, encoding: 'utf8' });
  return {
    sock,
    dir,
    env,
    storageFlags,
    async stop() {
      podman(['rm', '--all', '--force', '--time', '0']);
      if (!exited) {
        proc.kill('SIGTERM');
        await waitFor(() => exited, 10_000, 'podman service to exit').catch(() =>
          proc.kill('SIGKILL'),
        );
      }
      // The overlay driver keeps its own directory mounted; unmount everything under the dir first.
      for (const m of mountsUnder(dir)) spawnSync('umount', ['-l', m]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Mount points below `dir`, deepest first. */
function mountsUnder(dir: string): string[] {
  if (!existsSync('/proc/self/mounts')) return [];
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((m) => m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/** Shared libraries `ldd` lists for a binary, including the dynamic loader. */
function sharedLibraries(binary: string): string[] {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  const libs: string[] = [];
  for (const line of out.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m?.[1]) libs.push(m[1]);
  }
  return libs;
}

export interface NodeImageSpec {
  /** Host files to put in the image, keyed by their absolute path inside the image. */
  files?: Record<string, string>;
  /** Inline file contents, keyed by their absolute path inside the image. */
  contents?: Record<string, string>;
  /** Exec-form entrypoint, e.g. `['node', '/app.js']`. */
  entrypoint: string[];
}

/**
 * Builds an image from scratch with `podman import`: the running node binary (as /usr/bin/node),
 * its shared libraries, and the given files.
 */
export function buildNodeImage(sock: string, tag: string, spec: NodeImageSpec): void {
  const root = mkdtempSync(join(tmpdir(), 'aerie-rootfs-'));
  try {
    const place = (inImage: string, from: string): void => {
      const dest = join(root, inImage);
      mkdirSync(dirname(dest), { recursive: true });
      copyFileSync(from, dest);
    };
    place('/usr/bin/node', process.execPath);
    for (const lib of sharedLibraries(process.execPath)) place(lib, lib);
    for (const [inImage, from] of Object.entries(spec.files ?? {})) place(inImage, from);
    for (const [inImage, text] of Object.entries(spec.contents ?? {})) {
      const dest = join(root, inImage);
      mkdirSync(dirname(dest), { recursive: true });
      writeFileSync(dest, text);
    }
    mkdirSync(join(root, 'tmp'), { mode: 0o1777 });
    mkdirSync(join(root, 'etc'), { recursive: true });
    writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    const tar = join(root, '..', `${root.split('/').pop()}.tar`);
    execFileSync('tar', ['-C', root, '-cf', tar, '.']);
    try {
      const entry = JSON.stringify(
        spec.entrypoint.map((a) => (a === 'node' ? '/usr/bin/node' : a)),
      );
      execFileSync(
        'podman',
        ['--url', `unix://${sock}`, 'import', '--change', `ENTRYPOINT ${entry}`, tar, tag],
        {
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
    } finally {
      rmSync(tar, { force: true });
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Builds {@link SIM_IMAGE} from the simulator bundle: `node /aerie-vllm-sim.mjs <vllm args>`. */
export function buildSimImage(sock: string, simBundlePath: string): string {
  buildNodeImage(sock, SIM_IMAGE, {
    files: { '/aerie-vllm-sim.mjs': simBundlePath },
    entrypoint: ['node', '/aerie-vllm-sim.mjs'],
  });
  return SIM_IMAGE;
}
