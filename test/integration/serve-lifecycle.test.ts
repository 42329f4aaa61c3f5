import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { runCli, startServe, type ServeProcess } from '../helpers/serve-process.js';
import { waitForValue } from '../helpers/wait.js';

const running: ServeProcess[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.stop();
});
async function serve(args: string[] = [], env: Record<string, string> = {}) {
  const s = await startServe(args, env);
  running.push(s);
  return s;
}
const tmp = () => mkdtempSync(join(tmpdir(), 'aerie-life-'));

describe('aerie serve start-up and shutdown', () => {
  it('prints the listening line, creates both tokens with mode 0600 and prints them once', async () => {
    const dir = tmp();
    const first = await serve(['--data-dir', dir]);
    expect(first.stdout).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+$/m);
    const cluster = readFileSync(join(dir, 'cluster-token'), 'utf8').trim();
    const admin = readFileSync(join(dir, 'admin-token'), 'utf8').trim();
    expect(statSync(join(dir, 'cluster-token')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'admin-token')).mode & 0o777).toBe(0o600);
    expect(first.stdout).toContain(cluster);
    expect(first.stdout).toContain(admin);
    expect(first.stderr).not.toContain(cluster);
    expect(first.stderr).not.toContain(admin);
    expect(await first.stop()).toBe(0);

    const second = await serve(['--data-dir', dir]);
    expect(second.stdout).not.toContain(cluster);
    expect(second.stdout).not.toContain(admin);
    expect(readFileSync(join(dir, 'admin-token'), 'utf8').trim()).toBe(admin);
  });

  it('uses tokens given on the command line without writing token files', async () => {
    const dir = tmp();
    await serve([
      '--data-dir',
      dir,
      '--cluster-token',
      'c'.repeat(24),
      '--admin-token',
      'a'.repeat(24),
    ]);
    expect(existsSync(join(dir, 'cluster-token'))).toBe(false);
    expect(existsSync(join(dir, 'admin-token'))).toBe(false);
  });

  it('keeps settings across a restart with the same data dir', async () => {
    const dir = tmp();
    const a = await serve(['--data-dir', dir]);
    const put = await fetch(`${a.url}/api/settings`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{"default_port": 9100}',
    });
    expect(put.status).toBe(200);
    expect(await a.stop()).toBe(0);
    const b = await serve(['--data-dir', dir]);
    expect(
      ((await (await fetch(`${b.url}/api/settings`)).json()) as { default_port: number })
        .default_port,
    ).toBe(9100);
  });

  // Exit code 0 also proves the deadline: the server exits 1 when its stop takes over 1.9 s.
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'stops cleanly on %s with exit code 0',
    async (signal) => {
      const s = await serve();
      const ws = new WebSocket(`${s.url.replace('http', 'ws')}/ws`);
      await new Promise((r) => ws.once('open', r));
      const exited = new Promise<number | null>((r) => s.proc.once('exit', (code) => r(code)));
      s.proc.kill(signal);
      expect(await exited).toBe(0);
      expect(s.stderr).toContain('control plane stopped');
    },
  );

  it('exits 2 listing every configuration problem, creating nothing', async () => {
    const dir = join(tmp(), 'never');
    const r = await runCli(
      ['serve', '--data-dir', dir, '--port', 'eighty', '--api-auth', 'sometimes', '--frobnicate'],
      { AERIE_TRUSTED_NETWORKS: '10.0.0.0/99' },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('invalid configuration');
    for (const part of [
      '--port (AERIE_PORT)',
      '--api-auth (AERIE_API_AUTH)',
      'unknown flag --frobnicate',
      '10.0.0.0/99',
    ])
      expect(r.stderr).toContain(part);
    expect(existsSync(dir)).toBe(false);
  });

  it('exits 1 with a clear message when the port is in use', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await runCli([
        'serve',
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
        '--data-dir',
        tmp(),
      ]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
    } finally {
      blocker.close();
    }
  });

  it('exits 1 when the data dir cannot be created', async () => {
    const file = join(tmp(), 'a-file');
    writeFileSync(file, 'x');
    const r = await runCli([
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--data-dir',
      join(file, 'sub'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/data dir .*a-file\/sub cannot be created/);
  });

  it('exits 1 on a corrupt database and never overwrites it', async () => {
    const dir = tmp();
    const bytes = Buffer.alloc(8192, 7);
    writeFileSync(join(dir, 'aerie.db'), bytes);
    const before = createHash('sha256')
      .update(readFileSync(join(dir, 'aerie.db')))
      .digest('hex');
    const r = await runCli(['serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/database .*aerie\.db is corrupt or not an SQLite file/);
    expect(
      createHash('sha256')
        .update(readFileSync(join(dir, 'aerie.db')))
        .digest('hex'),
    ).toBe(before);
    expect(readdirSync(dir).filter((f) => f.startsWith('aerie.db'))).toEqual(['aerie.db']);
  });

  it('starts an in-process demo agent with two simulated GPUs and the process runtime, stopping it with the server', async () => {
    const dir = tmp();
    const s = await serve(['--data-dir', dir, '--demo']);
    const agentUrl = /demo agent .* listening on (http:\/\/\S+)/.exec(s.stdout)?.[1];
    expect(agentUrl).toBeDefined();
    const token = readFileSync(join(dir, 'cluster-token'), 'utf8').trim();
    expect((await fetch(`${agentUrl}/info`)).status).toBe(401);
    const info = (await (
      await fetch(`${agentUrl}/info`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as {
      gpus: { name: string; memory_total_mb: number }[];
      runtimes: string[];
    };
    expect(info.gpus.map((g) => [g.name, g.memory_total_mb])).toEqual([
      ['NVIDIA H100 80GB', 81920],
      ['NVIDIA H100 80GB', 81920],
    ]);
    expect(info.runtimes).toEqual(['process']);
    expect(await s.stop()).toBe(0);
    await expect(fetch(`${agentUrl}/health`)).rejects.toThrow();
  });

  it('shows the demo node online with its two H100s within 5 s of the listening line', async () => {
    const s = await serve(['--demo']);
    const nodes = await waitForValue(
      async () => {
        const list = (await (await fetch(`${s.url}/api/nodes`)).json()) as {
          hostname: string;
          status: string;
          gpu_usage: { name: string }[];
        }[];
        return list.length === 1 && list[0]?.status === 'online' ? list : null;
      },
      5000,
      'one online demo node',
    );
    expect(nodes[0]).toMatchObject({ hostname: 'demo-node' });
    expect(nodes[0]!.gpu_usage.map((g) => g.name)).toEqual([
      'NVIDIA H100 80GB',
      'NVIDIA H100 80GB',
    ]);
  });

  it('refuses a second aerie serve on a data dir in use, and takes over the lock a crash left', async () => {
    const dir = tmp();
    const first = await serve(['--data-dir', dir]);
    const second = await runCli(['serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', dir]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`data dir ${dir} is in use by pid ${first.proc.pid}`);
    first.proc.kill('SIGKILL');
    await new Promise((r) => first.proc.once('exit', r));
    expect(existsSync(join(dir, 'aerie.lock'))).toBe(true);
    const third = await serve(['--data-dir', dir]);
    expect(readFileSync(join(dir, 'aerie.lock'), 'utf8').trim()).toBe(String(third.proc.pid));
    expect(await third.stop()).toBe(0);
    expect(existsSync(join(dir, 'aerie.lock'))).toBe(false);
  });

  it('answers --help with every flag and its environment variable', async () => {
    const r = await runCli(['serve', '--help']);
    expect(r.code).toBe(0);
    for (const f of [
      '--host',
      '--port',
      '--data-dir',
      '--cluster-token',
      '--admin-token',
      '--trusted-networks',
      '--api-auth',
      '--consul-url',
      '--demo',
    ])
      expect(r.stdout).toContain(f);
    expect(r.stdout).toContain('AERIE_TRUSTED_NETWORKS');
  });
});
