// An acknowledged stop survives the agent: killed with SIGKILL right after it answered, or after
// the runtime got the stop but before the container was removed, the next agent finishes the
// stop instead of adopting the deployment again or leaving an exited container behind.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startAgent, type AgentProcess } from '../helpers/agent-process.js';
import { freePort } from '../helpers/engine-harness.js';
import { api } from '../helpers/http.js';
import { killProcessesUnder } from '../helpers/process-sweep.js';
import { waitFor } from '../helpers/wait.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function agentOn(dataDir: string, token: string): Promise<AgentProcess> {
  const a = await startAgent([
    '--runtime',
    'process',
    '--simulate-gpus',
    '1xH100-80GB',
    '--data-dir',
    dataDir,
    '--cluster-token',
    token,
  ]);
  cleanups.push(() => a.stop().then(() => undefined));
  return a;
}

const call = (a: AgentProcess, method: string, path: string, body?: unknown) =>
  api(a.url, method, path, body, a.auth());

const containerDirs = (dataDir: string) => {
  const dir = join(dataDir, 'processes');
  return existsSync(dir) ? readdirSync(dir) : [];
};

describe('a stop acknowledged just before the agent is killed', () => {
  it.each([
    ['right after the answer', false],
    ['after the runtime got the stop, before the container was removed', true],
  ])('is finished by the next agent: %s', async (_when, waitForStopRequest) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'aerie-stop-restart-'));
    cleanups.push(() => {
      // A failing run must not leave this test's shims and simulators behind.
      killProcessesUnder(dataDir);
      rmSync(dataDir, { recursive: true, force: true });
    });
    const token = `stop-restart-${randomBytes(8).toString('hex')}`;
    const first = await agentOn(dataDir, token);
    const port = await freePort();
    const key = `org/stopped:${port}`;
    const started = await call(first, 'POST', '/deployments/start', {
      model_name: 'org/stopped',
      port,
      gpu_memory_fraction: 0.2,
      env_vars: [{ key: 'AERIE_SIM_LOAD_S', value: '0.2' }],
    });
    expect(started.status).toBe(200);
    await waitFor(
      async () => {
        const s = (await call(first, 'GET', '/deployments/status')).body as {
          deployments: { key: string; status: string }[];
        };
        return s.deployments.some((d) => d.key === key && d.status === 'running');
      },
      20_000,
      'the deployment to run',
    );
    const [id] = containerDirs(dataDir);

    const stop = await call(first, 'POST', '/deployments/stop', { key });
    expect(stop).toMatchObject({ status: 200, body: { status: 'stopping', key } });
    if (waitForStopRequest)
      await waitFor(
        () => existsSync(join(dataDir, 'processes', id ?? '', 'stop-request.json')),
        5000,
        'the runtime to get the stop',
      );
    first.proc.kill('SIGKILL');
    await new Promise((r) => first.proc.once('exit', r));

    const second = await agentOn(dataDir, token);
    await waitFor(
      async () => {
        const running = (await call(second, 'GET', '/deployments')).body as { running: string[] };
        const rogue = (await call(second, 'GET', '/rogue-summary')).body as {
          containers: number;
        };
        return !running.running.includes(key) && rogue.containers === 0;
      },
      45_000,
      'the stop to be finished and nothing rogue left',
    );
    expect(containerDirs(dataDir)).toEqual([]);
    // The server is gone too: its port can be launched on again.
    const again = await call(second, 'POST', '/deployments/start', {
      model_name: 'org/after',
      port,
      gpu_memory_fraction: 0.2,
    });
    expect(again.status).toBe(200);
    await call(second, 'POST', '/deployments/stop', { key: `org/after:${port}` });
    await waitFor(() => containerDirs(dataDir).length === 0, 20_000, 'the last stop');
  });
});
