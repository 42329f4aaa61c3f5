// Slow clients are dropped on the LAN product's timescale: headers that trickle in (slowloris), a
// JSON body that trickles in, an upload that stalls, and a refused request whose body keeps
// coming. Both servers keep answering everyone else meanwhile.
import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { streamed } from '../../src-main/agent/files/model-uploads.routes.js';
import { createAgentLogger } from '../../src-main/agent/logs/agent-logger.js';
import {
  closeAgentServer,
  createAgentServer,
  listenAgent,
} from '../../src-main/agent/http/agent-server.js';
import { createHttpServer } from '../../src-main/http/http-server.js';
import { SERVER_TIMEOUTS } from '../../src-main/shared/node/http-listen.js';
import { JSON_BODY_LIMITS } from '../../src-main/shared/node/json-body.js';
import { route } from '../../src-main/shared/node/route.js';
import { startAgent, type AgentProcess } from '../helpers/agent-process.js';
import { head } from '../helpers/raw-http.js';
import { startServe, type ServeProcess } from '../helpers/serve-process.js';
import { waitFor } from '../helpers/wait.js';

let agent: AgentProcess;
let serve: ServeProcess;
beforeAll(async () => {
  [agent, serve] = await Promise.all([startAgent(), startServe()]);
});
afterAll(async () => {
  await Promise.all([agent.stop(), serve.stop()]);
});

/** A client connection that records what came back and when the server closed it. */
function slowClient(base: string): {
  socket: Socket;
  received: () => string;
  closed: () => boolean;
} {
  const url = new URL(base);
  const socket = connect(Number(url.port), url.hostname);
  let text = '';
  let closed = false;
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
  socket.on('error', () => undefined);
  socket.on('close', () => (closed = true));
  return { socket, received: () => text, closed: () => closed };
}

/** Writes one byte of `bytes` every `everyMs` until the socket closes or they run out. */
function trickle(socket: Socket, bytes: string, everyMs: number): () => void {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || i >= bytes.length) return clearInterval(timer);
    socket.write(bytes[i++] ?? '');
  }, everyMs);
  return () => clearInterval(timer);
}

// The drop happens within the timeout plus the server's 1 s check interval; the bound leaves room
// for a busy machine and is a functional limit, not a speed claim.
const DROP_WITHIN_MS = SERVER_TIMEOUTS.headersMs + 5_000;

// The waits are the servers' own timeouts; run them side by side.
describe.concurrent('slow clients', () => {
  it('sets the LAN timeouts on both servers', () => {
    const cp = createHttpServer({
      rest: () => undefined,
      gateway: () => undefined,
      upgrade: () => undefined,
    });
    const { server: ag } = createAgentServer([], {
      clusterToken: undefined,
      logger: createAgentLogger('http'),
    });
    for (const s of [cp, ag]) expect(s.headersTimeout).toBe(SERVER_TIMEOUTS.headersMs);
    expect(cp.requestTimeout).toBe(SERVER_TIMEOUTS.requestMs);
    expect(ag.requestTimeout).toBe(SERVER_TIMEOUTS.agentRequestMs);
    expect(SERVER_TIMEOUTS.headersMs).toBeLessThanOrEqual(10_000);
  });

  it.each(['agent', 'control plane'])(
    'the %s drops headers that trickle in with 408, and answers others meanwhile',
    async (which) => {
      const base = which === 'agent' ? agent.url : serve.url;
      const path = which === 'agent' ? '/health' : '/api/health';
      const c = slowClient(base);
      c.socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n`);
      const stop = trickle(c.socket, 'X-Slow: ' + 'a'.repeat(10_000), 250);
      try {
        expect((await fetch(`${base}${path}`)).status).toBe(200);
        await waitFor(c.closed, DROP_WITHIN_MS, 'the slow connection to be dropped');
        expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);
      } finally {
        stop();
        c.socket.destroy();
      }
    },
    DROP_WITHIN_MS + 10_000,
  );

  it.each(['agent', 'control plane'])(
    'the %s answers a JSON body that trickles in with 408 and closes the connection',
    async (which) => {
      const base = which === 'agent' ? agent.url : serve.url;
      const target =
        which === 'agent'
          ? head('POST', '/deployments/start', {
              ...agent.auth(),
              'Content-Type': 'application/json',
              'Content-Length': '100000',
            })
          : head('POST', '/api/configs', {
              'Content-Type': 'application/json',
              'Content-Length': '100000',
            });
      const c = slowClient(base);
      c.socket.write(target);
      const stop = trickle(c.socket, `{"name":"${'a'.repeat(99_000)}`, 250);
      try {
        await waitFor(c.closed, JSON_BODY_LIMITS.deadlineMs + 5_000, 'the slow body to be refused');
        expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);
        expect(c.received()).toContain('did not arrive within');
      } finally {
        stop();
        c.socket.destroy();
      }
    },
    JSON_BODY_LIMITS.deadlineMs + 15_000,
  );

  it('the agent refuses an unauthenticated request and closes instead of reading its body', async () => {
    const c = slowClient(agent.url);
    c.socket.write(
      head('POST', '/deployments/start', {
        'Content-Type': 'application/json',
        'Content-Length': '100000',
      }),
    );
    const stop = trickle(c.socket, 'x'.repeat(100_000), 100);
    try {
      await waitFor(c.closed, 5_000, 'the refused connection to close');
      expect(c.received()).toMatch(/^HTTP\/1\.1 401 /);
    } finally {
      stop();
      c.socket.destroy();
    }
  });
});

describe('a stalled upload', () => {
  let server: Server;
  let base: string;
  let ended: string | null = null;
  beforeAll(async () => {
    const upload = route(
      {
        method: 'put',
        path: '/upload',
        tag: 'Test',
        summary: 'reads the raw body',
        streamBody: 'application/octet-stream',
        response: z.object({ bytes: z.number() }),
      },
      streamed(async ({ req }) => {
        let bytes = 0;
        try {
          for await (const chunk of req as AsyncIterable<Buffer>) bytes += chunk.length;
          ended = 'complete';
        } catch (err) {
          ended = `cut off: ${(err as Error).message}`;
          throw err;
        }
        return { bytes };
      }),
    );
    ({ server } = createAgentServer([upload], {
      clusterToken: undefined,
      logger: createAgentLogger('http'),
      uploadStallMs: 500,
    }));
    base = `http://127.0.0.1:${await listenAgent(server, '127.0.0.1', 0)}`;
  });
  afterAll(() => closeAgentServer(server, 100));

  it('is cut off once no byte came for the stall limit, while a steady one completes', async () => {
    const steady = slowClient(base);
    steady.socket.write(head('PUT', '/upload', { 'Content-Length': '20' }));
    const stopSteady = trickle(steady.socket, 'x'.repeat(20), 100);
    await waitFor(() => steady.received().includes('"bytes":20'), 10_000, 'the steady upload');
    stopSteady();
    steady.socket.destroy();

    const stalled = slowClient(base);
    stalled.socket.write(`${head('PUT', '/upload', { 'Content-Length': '1000' })}abc`);
    await waitFor(stalled.closed, 10_000, 'the stalled upload to be cut off');
    expect(ended).toMatch(/^cut off/);
  });
});
