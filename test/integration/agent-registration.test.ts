import { type Logger } from '../../src-main/shared/node/structured-log.js';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AERIE_VERSION } from '../../src-main/shared/version.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testAgentConfig } from '../helpers/agent-config.js';
import {
  startAgent as startAgentInProcess,
  type AgentOverrides,
} from '../../src-main/agent/bootstrap.js';
import { resolveAdvertiseHost } from '../../src-main/agent/registration/advertise-host.js';
import { Announcer } from '../../src-main/agent/registration/announcer.js';
import { startAgent } from '../helpers/agent-process.js';
import { waitFor } from '../helpers/wait.js';

const TOKEN = 'registration-cluster-token-0123456789';

interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/** A real loopback HTTP server that records every request and answers with `status()`. */
async function recordingServer(
  status: () => number = () => 200,
): Promise<{ url: string; requests: Recorded[]; close(): Promise<void> }> {
  const requests: Recorded[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: raw ? (JSON.parse(raw) as unknown) : undefined,
      });
      res.writeHead(status(), { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** GPUs the test controls (no GPU exists on the test machine); the process runtime only. */
const deps = (intervalMs: number): AgentOverrides => ({
  gpus: {
    list: () =>
      Promise.resolve([
        {
          index: 0,
          name: 'H100',
          source: 'simulated',
          utilization: 0,
          memory_used_mb: 0,
          memory_total_mb: 81920,
          uuid: 'GPU-0',
        },
      ]),
    computeApps: () => Promise.resolve([]),
  },
  registrationIntervalMs: intervalMs,
});

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'agent-reg-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

function config(extra: string[]) {
  return testAgentConfig(dataDir, [
    '--cluster-token',
    TOKEN,
    '--node-name',
    'gpu-reg-1',
    '--runtime',
    'process',
    ...extra,
  ]);
}

describe('announcing to the control plane', () => {
  it('announces at start and then every interval with the bearer token and the node facts', async () => {
    const cp = await recordingServer();
    const agent = await startAgentInProcess(
      config(['--control-plane', cp.url, '--advertise-host', '10.9.8.7']),
      deps(50),
    );
    try {
      await waitFor(() => cp.requests.length >= 3, 10_000, 'three announcements');
      const first = cp.requests[0]!;
      expect(first.method).toBe('POST');
      expect(first.path).toBe('/api/agents/announce');
      expect(first.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(first.headers['content-type']).toBe('application/json');
      expect(first.body).toEqual({
        node_name: 'gpu-reg-1',
        advertise_host: '10.9.8.7',
        port: agent.port,
        agent_version: AERIE_VERSION,
        gpus: [expect.objectContaining({ index: 0, name: 'H100' })],
        runtimes: ['process'],
      });
    } finally {
      await agent.stop();
      await cp.close();
    }
  });

  it('keeps serving while the control plane fails, and logs failures throttled (first, then every 12th)', async () => {
    let code = 500;
    const cp = await recordingServer(() => code);
    const logged: { level: string; msg: string }[] = [];
    const capture = (level: string) => (msg: string) => void logged.push({ level, msg });
    const logger: Logger = {
      debug: capture('debug'),
      info: capture('info'),
      warn: capture('warn'),
      error: capture('error'),
    };
    const announcer = new Announcer({
      controlPlane: cp.url,
      clusterToken: TOKEN,
      logger,
      body: () =>
        Promise.resolve({
          node_name: 'n',
          advertise_host: '127.0.0.1',
          port: 1,
          agent_version: '0',
          gpus: [],
          runtimes: [],
        }),
    });
    try {
      for (let i = 0; i < 25; i++) expect(await announcer.announce()).toBe(false);
      expect(logged.filter((l) => l.level === 'warn')).toHaveLength(3);
      code = 200;
      expect(await announcer.announce()).toBe(true);
      expect(logged.at(-1)).toEqual({ level: 'info', msg: 'announced to the control plane again' });
      await cp.close();
      expect(await announcer.announce()).toBe(false);
      expect(logged.at(-1)?.level).toBe('warn');
    } finally {
      await announcer.stop();
    }
  });

  it('announces from the real agent process with its real port', async () => {
    const cp = await recordingServer();
    const agent = await startAgent([
      '--control-plane',
      cp.url,
      '--simulate-gpus',
      '2xH100-80GB',
      '--node-name',
      'gpu-proc-1',
    ]);
    try {
      await waitFor(() => cp.requests.length >= 1, 10_000, 'an announcement');
      const first = cp.requests[0]!;
      expect(first.headers.authorization).toBe(`Bearer ${agent.token}`);
      expect(first.body).toMatchObject({
        node_name: 'gpu-proc-1',
        port: agent.port,
        advertise_host: '127.0.0.1',
      });
      expect((first.body as { gpus: unknown[] }).gpus).toHaveLength(2);
    } finally {
      await agent.stop();
      await cp.close();
    }
  });
});

describe('registering in Consul', () => {
  it('registers the aerie-agent service with an HTTP health check, re-registers, and deregisters on stop', async () => {
    const consul = await recordingServer();
    const agent = await startAgentInProcess(
      config(['--consul-url', consul.url, '--advertise-host', '10.1.2.3']),
      deps(50),
    );
    try {
      await waitFor(() => consul.requests.length >= 2, 10_000, 'two registrations');
      for (const r of consul.requests) {
        expect(r.method).toBe('PUT');
        expect(r.path).toBe('/v1/agent/service/register');
      }
      expect(consul.requests[0]!.body).toEqual({
        ID: 'gpu-reg-1',
        Name: 'aerie-agent',
        Tags: ['gpu-reg-1'],
        Address: '10.1.2.3',
        Port: agent.port,
        Meta: { agent_version: AERIE_VERSION },
        EnableTagOverride: false,
        Check: {
          CheckID: 'aerie-agent-gpu-reg-1-health',
          Name: 'Aerie agent /health',
          HTTP: `http://10.1.2.3:${agent.port}/health`,
          Method: 'GET',
          Interval: '15s',
          Timeout: '30s',
          DeregisterCriticalServiceAfter: '5m',
        },
      });
    } finally {
      await agent.stop();
    }
    expect(consul.requests.at(-1)).toMatchObject({
      method: 'PUT',
      path: '/v1/agent/service/deregister/gpu-reg-1',
    });
    await consul.close();
  });

  it('starts and serves even when Consul is unreachable', async () => {
    const consul = await recordingServer();
    await consul.close();
    const agent = await startAgentInProcess(config(['--consul-url', consul.url]), deps(50));
    try {
      const res = await fetch(`${agent.url}/health`);
      expect(res.status).toBe(200);
    } finally {
      await agent.stop();
    }
  });
});

describe('the advertise host', () => {
  it('prefers --advertise-host, else the local address routed toward the target', async () => {
    expect(await resolveAdvertiseHost('192.0.2.10', ['http://127.0.0.1:8000'])).toBe('192.0.2.10');
    expect(await resolveAdvertiseHost(undefined, ['http://127.0.0.1:8000'])).toBe('127.0.0.1');
  });

  it('falls back to an address of this host when no target resolves', async () => {
    const host = await resolveAdvertiseHost(undefined, ['http://no-such-host.invalid:8000']);
    expect(host).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  });
});
