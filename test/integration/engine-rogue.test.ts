import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessRuntime } from '../../src-main/agent/runtime/process-runtime.js';
import { join } from 'node:path';
import { AERIE_BIN } from '../helpers/serve-process.js';
import {
  freePort,
  simLaunch,
  startEngineHarness,
  type EngineHarness,
} from '../helpers/engine-harness.js';
import { waitFor } from '../helpers/wait.js';

let h: EngineHarness;
let key: string;

beforeAll(async () => {
  h = await startEngineHarness();
  const port = await freePort();
  key = `m/tracked:${port}`;
  await h.call('POST', '/deployments/start', simLaunch('m/tracked', port));
  await waitFor(() => h.entry(key)?.status === 'running', 30_000, 'running');
});
afterAll(async () => {
  await h.destroy();
});

interface ContainerRow {
  id: string;
  key: string | null;
  tracked: boolean;
  managed: boolean;
}
interface ProcessRow {
  pid: number;
  key: string | null;
  tracked: boolean;
  process_name: string;
}

describe('rogue containers and orphaned GPU processes', () => {
  it('refuses to stop or kill what a deployment tracks', async () => {
    const containers = (await h.call('GET', '/containers')).body as ContainerRow[];
    const mine = containers.find((c) => c.key === key);
    expect(mine).toMatchObject({ tracked: true, managed: true });
    const stop = await h.call('POST', `/containers/${mine!.id}/stop`);
    expect(stop).toMatchObject({
      status: 409,
      body: { detail: 'Managed by an active deployment — stop it from the Deployments table.' },
    });
    const procs = (await h.call('GET', '/gpu-processes')).body as ProcessRow[];
    const proc = procs.find((p) => p.key === key);
    expect(proc?.process_name).toBe('VLLM::EngineCore');
    expect((await h.call('POST', `/gpu-processes/${proc!.pid}/kill`)).status).toBe(409);
    expect(h.entry(key)?.status).toBe('running');
  });

  it('answers 404 when asked to kill a process that is not a vLLM GPU process', async () => {
    expect((await h.call('POST', `/gpu-processes/${process.pid}/kill`)).status).toBe(404);
    expect((await h.call('POST', '/containers/doesnotexist/stop')).status).toBe(404);
  });

  it('lists an untracked managed container as rogue and removes it, reaping its processes', async () => {
    // A leftover from a crashed agent: same runtime, managed labels, but no deployment tracks it.
    const runtime = new ProcessRuntime({
      stateDir: join(h.dataDir, 'processes'),
      simCommand: [process.execPath, AERIE_BIN, 'vllm-sim'],
      shimCommand: [process.execPath, AERIE_BIN, 'agent-shim'],
    });
    const port = await freePort();
    const info = await runtime.run({
      name: 'aerie-orphan',
      image: 'vllm/vllm-openai:v0.11.0',
      args: ['--model', 'm/orphan', '--port', String(port)],
      env: { AERIE_SIM_LOAD_S: '0' },
      labels: { 'aerie.managed': 'true', 'aerie.key': `m/orphan:${port}` },
      gpuIds: null,
      passGpus: false,
      mounts: [],
      restartUnlessStopped: false,
    });
    const rows = (await h.call('GET', '/containers')).body as ContainerRow[];
    const orphan = rows.find((c) => c.key === `m/orphan:${port}`);
    expect(orphan).toMatchObject({ tracked: false, managed: true });
    const res = await h.call('POST', `/containers/${orphan!.id}/stop`);
    expect(res).toMatchObject({ status: 200, body: { status: 'removed' } });
    expect(await runtime.inspect(info.id)).toBeNull();
    const after = (await h.call('GET', '/containers')).body as ContainerRow[];
    expect(after.map((c) => c.key)).toEqual([key]);
  });
});
