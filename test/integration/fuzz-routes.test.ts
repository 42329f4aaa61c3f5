// The hostile-input fuzz suite: every route of the control plane and of the agent, read from their
// own /openapi.json (so a new route is covered the day it is added), gets generated requests from
// its schemas (fast-check, fixed seed) and the classic hostile corpus. Whatever arrives, the
// server answers within 5 s with no 5xx but a 507, every error has a detail, the process stays
// up, and nothing appears outside the data dirs.
import fc from 'fast-check';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type AgentProcess } from '../helpers/agent-process.js';
import { freePort } from '../helpers/engine-harness.js';
import {
  documentedRoutes,
  type DocumentedRoute,
  type FieldOverride,
  type OpenApiDocument,
} from '../helpers/fuzz-schema.js';
import { hostileFraming } from '../helpers/fuzz-corpus.js';
import { HANG_MS, judge, sendCase } from '../helpers/fuzz-oracle.js';
import { caseArbitrary, corpusCases, type FuzzCase } from '../helpers/fuzz-requests.js';
import { sendRaw } from '../helpers/raw-http.js';
import { api } from '../helpers/http.js';
import { killProcessesUnder } from '../helpers/process-sweep.js';
import { REPO_ROOT, startServe, type ServeProcess } from '../helpers/serve-process.js';
import { waitFor } from '../helpers/wait.js';

/** Fixed, so that a failure reproduces; fast-check prints it with the counterexample. */
const SEED = Number(process.env.AERIE_FUZZ_SEED ?? 80_808);
/** Random cases per route, on top of the fixed corpus. */
const RUNS = 16;
const MARKER = `aerie-fuzz-escape-${SEED}`;

let root: string;
let agent: AgentProcess;
let serve: ServeProcess;
let agentDoc: OpenApiDocument;
let cpDoc: OpenApiDocument;
/** Launches may only use these ports: valid launches start real simulators, at most one per port. */
let ports: number[];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'aerie-fuzz-'));
  mkdirSync(join(root, 'agent'));
  ports = [await freePort(), await freePort()];
  [agent, serve] = await Promise.all([
    startAgent(
      [
        '--runtime',
        'process',
        '--simulate-gpus',
        '2xH100-80GB',
        '--data-dir',
        join(root, 'agent', 'data'),
      ],
      // No engine socket of this machine (or of a concurrent test) is ever touched.
      {
        DOCKER_HOST: 'unix:///nonexistent/aerie-fuzz/docker.sock',
        PODMAN_SOCK: 'unix:///nonexistent/aerie-fuzz/podman.sock',
      },
    ),
    startServe(['--data-dir', join(root, 'cp')]),
  ]);
  agentDoc = (await api(agent.url, 'GET', '/openapi.json')).body as OpenApiDocument;
  cpDoc = (await api(serve.url, 'GET', '/openapi.json')).body as OpenApiDocument;
});

afterAll(async () => {
  await stopAllDeployments().catch(() => undefined);
  await Promise.all([agent?.stop(), serve?.stop()]);
  killProcessesUnder(root);
  rmSync(root, { recursive: true, force: true });
});

async function stopAllDeployments(): Promise<void> {
  const call = (method: string, path: string, body?: unknown) =>
    api(agent.url, method, path, body, agent.auth());
  const running = async () =>
    ((await call('GET', '/deployments')).body as { running: string[] }).running;
  for (const key of await running()) await call('POST', '/deployments/stop', { key });
  await waitFor(async () => (await running()).length === 0, 30_000, 'every deployment to stop');
  const procs = join(agent.dataDir, 'processes');
  await waitFor(
    () => !existsSync(procs) || readdirSync(procs).length === 0,
    30_000,
    'every process container to be removed',
  );
}

/** Paths named after the marker in the places a traversal would reach, data dirs excluded. */
function escapedFiles(): string[] {
  const found: string[] = [];
  const look = (dir: string, depth: number, skip: readonly string[] = []) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const n of names) {
      const full = join(dir, n);
      if (skip.includes(full)) continue;
      if (n.includes(MARKER)) found.push(full);
      if (depth > 0) look(full, depth - 1, skip);
    }
  };
  look('/', 0);
  look('/tmp', 1);
  look(homedir(), 1);
  look(REPO_ROOT, 1, [join(REPO_ROOT, 'node_modules'), join(REPO_ROOT, '.git')]);
  look(root, 12, [agent.dataDir, join(root, 'cp')]);
  return found;
}

interface Target {
  name: string;
  url: () => string;
  doc: () => OpenApiDocument;
  alive: () => boolean;
  stderr: () => string;
  auth: () => Record<string, string>;
  /** True when an anonymous call of the route must be refused. */
  needsAuth: (r: DocumentedRoute) => boolean;
  override: FieldOverride;
}

const TARGETS: Target[] = [
  {
    name: 'agent',
    url: () => agent.url,
    doc: () => agentDoc,
    alive: () => agent.proc.exitCode === null && agent.proc.signalCode === null,
    stderr: () => agent.stderr,
    auth: () => agent.auth(),
    needsAuth: (r) => r.op.security === undefined || r.op.security.length > 0,
    override: (name) => (name === 'port' ? fc.constantFrom(...ports) : undefined),
  },
  {
    name: 'control plane',
    url: () => serve.url,
    doc: () => cpDoc,
    alive: () => serve.proc.exitCode === null && serve.proc.signalCode === null,
    stderr: () => serve.stderr,
    auth: () => ({}),
    // Loopback is a trusted network: the suite's calls are allowed without a token.
    needsAuth: () => false,
    override: () => undefined,
  },
];

/** Paths that are not in the OpenAPI documents but take requests all the same. */
const UNDOCUMENTED: DocumentedRoute[] = [
  {
    method: 'POST',
    path: '/v1/chat/completions',
    op: { requestBody: { content: { 'application/json': { schema: {} } } } },
  },
  { method: 'GET', path: '/v1/models', op: {} },
  { method: 'GET', path: '/ws', op: {} },
  { method: 'GET', path: '/', op: {} },
  {
    method: 'GET',
    path: '/assets/{file}',
    op: { parameters: [{ name: 'file', in: 'path', schema: { type: 'string' } }] },
  },
];

describe.concurrent('fuzz: hostile input to every documented route', () => {
  it.each(TARGETS)(
    '$name: answers everything within 5 s, never a 5xx but 507, stays up, writes nowhere else',
    async (t) => {
      const started = Date.now();
      const routes = documentedRoutes(t.doc());
      if (t.name === 'control plane') routes.push(...UNDOCUMENTED);
      expect(routes.length).toBeGreaterThan(t.name === 'agent' ? 40 : 10);
      let sent = 0;
      const statuses = new Map<string, number>();
      const count = (status: number) => {
        const k = status === 0 ? 'dropped' : `${Math.floor(status / 100)}xx`;
        statuses.set(k, (statuses.get(k) ?? 0) + 1);
      };
      const one = async (route: DocumentedRoute, c: FuzzCase) => {
        const r = await sendCase(t.url(), c, t.auth());
        sent++;
        count(r.status);
        // A launch that went through holds a port and GPU share: stop it, so later ones get as far.
        const launched = r.json as { key?: string } | undefined;
        if (route.path === '/deployments/start' && r.status === 200 && launched?.key)
          await api(t.url(), 'POST', '/deployments/stop', { key: launched.key }, t.auth());
        expect(
          t.alive(),
          `${t.name} died on ${c.method} ${c.target.slice(0, 160)} (${c.what}) [seed ${SEED}]\n${t.stderr().slice(-2000)}`,
        ).toBe(true);
        judge(c, r, `${t.name} [seed ${SEED}]`, t.needsAuth(route));
      };
      for (const f of hostileFraming(MARKER)) {
        const r = await sendRaw(t.url(), Buffer.from(f.bytes, 'latin1'), { timeoutMs: HANG_MS });
        sent++;
        count(r.status);
        expect(t.alive(), `${t.name} died on ${f.what} [seed ${SEED}]`).toBe(true);
        judge(
          {
            what: f.what,
            method: 'RAW',
            target: f.bytes.split('\r\n')[0] ?? '',
            headers: {},
            body: Buffer.alloc(0),
          },
          r,
          `${t.name} [seed ${SEED}]`,
          false,
        );
      }
      for (const route of routes) {
        for (const c of corpusCases(route, t.doc(), t.override, MARKER)) await one(route, c);
        await fc.assert(
          fc.asyncProperty(caseArbitrary(route, t.doc(), t.override, MARKER), (c) => one(route, c)),
          { seed: SEED, numRuns: RUNS, endOnFailure: true },
        );
      }
      expect(t.alive()).toBe(true);
      expect((await fetch(`${t.url()}/health`)).status).toBe(200);
      if (t.name === 'agent') await stopAllDeployments();
      expect(escapedFiles()).toEqual([]);
      // Beside the two data dirs, the temp root holds nothing.
      expect([readdirSync(root).sort(), readdirSync(join(root, 'agent'))]).toEqual([
        ['agent', 'cp'],
        ['data'],
      ]);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const mix = [...statuses].map(([k, n]) => `${k} ${n}`).join(', ');
      process.stdout.write(
        `fuzz ${t.name}: ${sent} requests to ${routes.length} routes in ${seconds} s (${mix}; seed ${SEED})\n`,
      );
      expect(sent).toBeGreaterThan(routes.length * RUNS);
    },
    150_000,
  );
});
