// The vLLM image cache (behaviour.md §4.6) of a real `aerie agent` over two real Podman stores:
// one private service as the agent's Podman, another behind DOCKER_HOST as its second runtime.
// Images are built locally; the CLI of each store is the judge of what the agent did.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentProcess, startAgent } from '../helpers/agent-process.js';
import { type PodmanService, buildNodeImage, startPodmanService } from '../helpers/podman.js';

const REPO = 'localhost/aerie-vllm-sim';
const IDLE_APP = 'setInterval(() => {}, 60_000);\n';

interface ImageRow {
  id: string;
  tags: string[];
  size_mb: number;
  runtime: string;
  runtimes: string[];
}

let a: PodmanService; // the agent's Podman
let b: PodmanService; // the agent's "docker" runtime (a socket served by Podman)
let agent: AgentProcess;
let work: string;

function podman(svc: PodmanService, args: string[]): string {
  const r = spawnSync('podman', ['--url', `unix://${svc.sock}`, ...args], {
    env: svc.env,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`podman ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** Every name in a store, as `podman images` shows it (untagged images as `<none>@<id>`). */
function names(svc: PodmanService): string[] {
  return podman(svc, ['images', '--format', '{{.Repository}}:{{.Tag}}@{{.ID}}'])
    .split('\n')
    .filter(Boolean)
    .map((l) =>
      l.startsWith('<none>') ? `<none>@${l.split('@')[1] ?? ''}` : (l.split('@')[0] ?? ''),
    );
}

function imageId(svc: PodmanService, ref: string): string {
  return podman(svc, ['image', 'inspect', '--format', '{{.Id}}', ref]).replace(/^sha256:/, '');
}

/** Copies `ref` from store `from` to store `to` through an archive, as the agent's image copy would. */
function copyImage(from: PodmanService, to: PodmanService, ref: string): void {
  const file = join(work, `${ref.replace(/[^a-z0-9]/gi, '_')}.tar`);
  podman(from, ['save', '-o', file, ref]);
  podman(to, ['load', '-i', file]);
  rmSync(file, { force: true });
}

/** A tiny image with one file and the given label, tagged or dangling. */
function importImage(svc: PodmanService, tag: string | null, label: string): string {
  const root = mkdtempSync(join(work, 'rootfs-'));
  writeFileSync(join(root, 'marker'), `${label} ${Math.random()}`);
  const tar = `${root}.tar`;
  spawnSync('tar', ['-C', root, '-cf', tar, '.']);
  const id = podman(svc, ['import', '--change', `LABEL ${label}`, tar, ...(tag ? [tag] : [])]);
  rmSync(root, { recursive: true, force: true });
  rmSync(tar, { force: true });
  return id.replace(/^sha256:/, '');
}

async function call(method: string, path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${agent.url}${path}`, { method, headers: agent.auth() });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
}

const list = async () => (await call('GET', '/images')).body as ImageRow[];
const rowWith = (rows: ImageRow[], tag: string) => rows.find((r) => r.tags.includes(tag));

beforeAll(async () => {
  [a, b] = await Promise.all([startPodmanService(), startPodmanService()]);
  work = mkdtempSync(join(tmpdir(), 'aerie-images-'));
  const node = (tag: string) =>
    buildNodeImage(a.sock, tag, {
      contents: { '/app.mjs': `// ${tag}\n${IDLE_APP}` },
      entrypoint: ['node', '/app.mjs'],
    });
  for (const t of ['run', 'shared', 'partial', 'dual', 'old']) node(`${REPO}:${t}`);
  node('localhost/other-app:solo');
  podman(a, ['tag', `${REPO}:dual`, 'localhost/other-app:keep']);
  podman(a, ['tag', `${REPO}:old`, 'docker.io/vllm/vllm-openai:v0.0-test']);
  copyImage(a, b, `${REPO}:shared`);
  copyImage(a, b, `${REPO}:partial`);
  // A running container in A uses :run; a created (never started) one in A uses :partial.
  podman(a, ['run', '-d', '--name', 'runner', '--network', 'host', `${REPO}:run`]);
  podman(a, ['create', '--name', 'holder', '--network', 'host', `${REPO}:partial`]);
  agent = await startAgent(
    ['--runtime', 'podman', '--image-repo', REPO, '--simulate-gpus', '1xH100-80GB'],
    { PODMAN_SOCK: a.sock, DOCKER_HOST: `unix://${b.sock}` },
  );
});

afterAll(async () => {
  await agent?.stop();
  await Promise.all([a?.stop(), b?.stop()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('image cache over two Podman stores', () => {
  it('lists only vLLM images, with copies in both stores merged into one row', async () => {
    const rows = await list();
    const tags = rows.flatMap((r) => r.tags).sort();
    expect(tags).toEqual(
      [
        `${REPO}:dual`,
        `${REPO}:old`,
        `${REPO}:partial`,
        `${REPO}:run`,
        `${REPO}:shared`,
        'vllm/vllm-openai:v0.0-test',
      ].sort(),
    );
    expect(rowWith(rows, `${REPO}:shared`)).toEqual({
      id: imageId(a, `${REPO}:shared`),
      tags: [`${REPO}:shared`],
      size_mb: expect.any(Number) as number,
      runtime: 'podman',
      runtimes: ['podman', 'docker'],
    });
    expect(rowWith(rows, `${REPO}:shared`)?.size_mb).toBeGreaterThan(50);
    expect(rowWith(rows, `${REPO}:run`)?.runtimes).toEqual(['podman']);
    // One image under two vLLM names is one row, the Docker Hub prefix Podman adds left out.
    expect(rowWith(rows, `${REPO}:old`)?.tags.sort()).toEqual([
      `${REPO}:old`,
      'vllm/vllm-openai:v0.0-test',
    ]);
    expect(rowWith(rows, `${REPO}:dual`)?.tags).toEqual([`${REPO}:dual`]);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.id))).toBe(true);
  });

  it('merges copies by layer content even when their ids differ', async () => {
    const root = mkdtempSync(join(work, 'same-'));
    writeFileSync(join(root, 'weights'), 'identical layer');
    const tar = `${root}.tar`;
    spawnSync('tar', ['-C', root, '-cf', tar, '.']);
    podman(a, ['import', '--change', 'LABEL side=a', tar, `${REPO}:same`]);
    podman(b, ['import', '--change', 'LABEL side=b', tar, `${REPO}:same`]);
    const [idA, idB] = [imageId(a, `${REPO}:same`), imageId(b, `${REPO}:same`)];
    expect(idA).not.toBe(idB);
    expect(rowWith(await list(), `${REPO}:same`)).toMatchObject({
      id: idA,
      runtimes: ['podman', 'docker'],
    });
    // Asked by the other store's id, it still finds and removes both copies.
    expect((await call('DELETE', `/images/${idB}`)).body).toEqual({
      status: 'deleted',
      id: idA,
      runtimes: ['podman', 'docker'],
    });
    expect(names(a)).not.toContain(`${REPO}:same`);
    expect(names(b)).not.toContain(`${REPO}:same`);
  });

  it('deletes an image from every store holding it', async () => {
    const id = imageId(a, `${REPO}:shared`);
    expect(await call('DELETE', `/images/${id}`)).toEqual({
      status: 200,
      body: { status: 'deleted', id, runtimes: ['podman', 'docker'] },
    });
    expect(names(a)).not.toContain(`${REPO}:shared`);
    expect(names(b)).not.toContain(`${REPO}:shared`);
    expect(rowWith(await list(), `${REPO}:shared`)).toBeUndefined();
    expect((await call('DELETE', `/images/${id}`)).status).toBe(404);
  });

  it('skips the store whose container uses the image and answers 409 when every copy is in use', async () => {
    const partial = imageId(a, `${REPO}:partial`);
    const res = await call('DELETE', `/images/${partial.slice(0, 12)}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'deleted',
      id: partial,
      runtimes: ['docker'],
      skipped: [{ runtime: 'podman' }],
    });
    expect((res.body as { skipped: { reason: string }[] }).skipped[0]?.reason).toContain('holder');
    expect(names(a)).toContain(`${REPO}:partial`);
    expect(names(b)).not.toContain(`${REPO}:partial`);

    const run = imageId(a, `${REPO}:run`);
    const refused = await call('DELETE', `/images/${run}`);
    expect(refused.status).toBe(409);
    expect((refused.body as { detail: string }).detail).toContain('runner');
    expect(names(a)).toContain(`${REPO}:run`);
  });

  it('removes only the vLLM tag of an image that also has a foreign one', async () => {
    const id = imageId(a, `${REPO}:dual`);
    expect((await call('DELETE', `/images/${id}`)).body).toEqual({
      status: 'deleted',
      id,
      runtimes: ['podman'],
    });
    expect(names(a)).not.toContain(`${REPO}:dual`);
    expect(names(a)).toContain('localhost/other-app:keep');
    expect(imageId(a, 'localhost/other-app:keep')).toBe(id);
    expect(rowWith(await list(), `${REPO}:dual`)).toBeUndefined();
  });

  it('prunes unused vLLM and dangling derived images, keeps used and foreign ones', async () => {
    const derived = importImage(b, null, 'aerie.derived=true');
    const plainDangling = importImage(b, null, 'something=else');
    const old = imageId(a, `${REPO}:old`);
    // A dangling derived image is shown (without tags) so that it can be pruned; a foreign one is not.
    expect((await list()).find((r) => r.id === derived)).toMatchObject({
      tags: [],
      runtimes: ['docker'],
    });
    expect((await list()).some((r) => r.id === plainDangling)).toBe(false);
    const res = await call('POST', '/images/prune');
    expect(res.status).toBe(200);
    const body = res.body as {
      removed: { id: string; runtime: string; tags: string[] }[];
      freed_mb: number;
      skipped: { id: string; runtime: string; reason: string }[];
    };
    expect(body.removed.map((r) => `${r.runtime}:${r.id}`).sort()).toEqual(
      [`docker:${derived}`, `podman:${old}`].sort(),
    );
    expect(body.removed.find((r) => r.id === old)?.tags.sort()).toEqual([
      `${REPO}:old`,
      'vllm/vllm-openai:v0.0-test',
    ]);
    expect(body.freed_mb).toBeGreaterThan(50);
    expect(body.skipped.map((s) => s.id).sort()).toEqual(
      [imageId(a, `${REPO}:partial`), imageId(a, `${REPO}:run`)].sort(),
    );
    expect(
      names(a)
        .filter((n) => n.startsWith(REPO))
        .sort(),
    ).toEqual([`${REPO}:partial`, `${REPO}:run`]);
    expect(names(a)).toEqual(
      expect.arrayContaining(['localhost/other-app:keep', 'localhost/other-app:solo']),
    );
    expect(names(a)).not.toContain('docker.io/vllm/vllm-openai:v0.0-test');
    expect(names(b)).toEqual([`<none>@${plainDangling.slice(0, 12)}`]);
    expect((await list()).map((r) => r.tags)).toEqual(
      expect.arrayContaining([[`${REPO}:run`], [`${REPO}:partial`]]),
    );
    expect(await list()).toHaveLength(2);
  });
});
