import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StatusEntry } from '../../src-main/shared/agent-protocol/deployments.js';
import {
  freePort,
  simLaunch,
  startEngineHarness,
  type EngineHarness,
} from '../helpers/engine-harness.js';
import { waitFor, waitForValue } from '../helpers/wait.js';

let h: EngineHarness;
let port: number;
const MODEL = 'Qwen/Qwen3-0.6B';
const SECRET = 'hf_supersecretvalue123456';
const ARG_SECRET = 'hf_flagsecretvalue987654';
let key: string;

beforeAll(async () => {
  h = await startEngineHarness();
  port = await freePort();
  key = `${MODEL}:${port}`;
});
afterAll(async () => {
  await h.destroy();
});

describe('deployment engine on the process runtime', () => {
  it('launches a deployment that goes loading → running with load phases in between', async () => {
    const phases = new Set<string>();
    const res = await h.call(
      'POST',
      '/deployments/start',
      simLaunch(
        MODEL,
        port,
        { duration_seconds: 3600, extra_args: ['--hf-token', ARG_SECRET] },
        { HF_TOKEN: SECRET, AERIE_SIM_LOAD_S: '3', AERIE_SIM_TOKENS_PER_S: '200' },
      ),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'started', key, offloaded: [] });
    expect(h.entry(key)?.status).toBe('loading');
    const running = await waitForValue(
      () => {
        const e = h.entry(key);
        if (e?.phase) phases.add(e.phase);
        return e?.status === 'running' ? e : null;
      },
      30_000,
      'running',
    );
    expect(running.phase).toBe('ready');
    expect(
      [...phases].some((p) => p === 'loading_weights' || p === 'compiling' || p === 'downloading'),
    ).toBe(true);
    expect(Date.parse(running.expires_at ?? '')).toBeGreaterThan(Date.now() + 3500_000);
  });

  it('serves a chat completion on the deployment port', async () => {
    const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'unused' });
    const r = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'hello' }],
      max_tokens: 8,
    });
    expect(r.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(r.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('reports usage that moves after traffic', async () => {
    const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'unused' });
    for (let i = 0; i < 3; i++)
      await client.completions.create({ model: MODEL, prompt: 'count with me', max_tokens: 5 });
    const e = await waitForValue(
      () => {
        const u = h.entry(key)?.usage;
        return u && u.requests >= 4 ? h.entry(key) : null;
      },
      15_000,
      'usage after traffic',
    );
    expect(e.usage?.generation_tokens).toBeGreaterThan(0);
    expect(e.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(e.requests_running).toBe(0);
  });

  it('extends by a new duration: the running lease keeps its start and ends later; 422 when there is nothing to move', async () => {
    const before = Date.parse(h.entry(key)?.expires_at ?? '');
    const res = await h.call('POST', '/deployments/extend', { key, duration_seconds: 7200 });
    expect(res).toMatchObject({ status: 200, body: { status: 'ok', key } });
    const after = h.entry(key);
    expect(Date.parse(after?.expires_at ?? '')).toBe(before + 3600_000);
    expect((res.body as { expires_at: string }).expires_at).toBe(after?.expires_at);
    expect(after?.duration_seconds).toBe(7200);
    expect((await h.call('POST', '/deployments/extend', { key })).status).toBe(422);

    // Without a deadline a duration alone has no lease start to count from.
    const forever = await h.call('POST', '/deployments/extend', { key, expires_at: null });
    expect(forever.body).toMatchObject({ expires_at: null });
    const refused = await h.call('POST', '/deployments/extend', { key, duration_seconds: 60 });
    expect(refused.status).toBe(422);
    expect((refused.body as { detail: string }).detail).toMatch(/send expires_at/);
    expect(h.entry(key)).toMatchObject({ expires_at: null, duration_seconds: null });
  });

  it('keeps env values out of labels and status, and in a 0600 state file', async () => {
    const status = await h.call('GET', '/deployments/status');
    expect(JSON.stringify(status.body)).not.toContain(SECRET);
    const entry = (status.body as { deployments: StatusEntry[] }).deployments.find(
      (d) => d.key === key,
    );
    expect(entry?.launch_manifest.env_var_keys).toContain('HF_TOKEN');
    const processes = join(h.dataDir, 'processes');
    const containers = (await h.call('GET', '/containers')).body as {
      id: string;
      tracked: boolean;
      key: string;
    }[];
    expect(containers).toContainEqual(
      expect.objectContaining({ key, tracked: true, managed: true }),
    );
    // The process runtime keeps each container's labels in its config file: no env value there.
    const { readdirSync } = await import('node:fs');
    for (const dir of readdirSync(processes)) {
      const cfg = JSON.parse(readFileSync(join(processes, dir, 'config.json'), 'utf8')) as {
        labels: Record<string, string>;
      };
      expect(JSON.stringify(cfg.labels)).not.toContain(SECRET);
    }
    const statePath = join(h.dataDir, 'state.json');
    expect(statSync(statePath).mode & 0o777).toBe(0o600);
    expect(readFileSync(statePath, 'utf8')).toContain(SECRET);
    expect(JSON.stringify(h.logs.get(key)?.tail(2000))).not.toContain(SECRET);
  });

  it('masks the values of secret flags in extra_args like env values, and shows the rest', async () => {
    const status = JSON.stringify((await h.call('GET', '/deployments/status')).body);
    expect(status).not.toContain(ARG_SECRET);
    expect(h.entry(key)?.launch_manifest.extra_args).toEqual(['--hf-token', 'hf_f...7654']);
    const processes = join(h.dataDir, 'processes');
    const { readdirSync } = await import('node:fs');
    for (const dir of readdirSync(processes)) {
      const cfg = JSON.parse(readFileSync(join(processes, dir, 'config.json'), 'utf8')) as {
        labels: Record<string, string>;
      };
      expect(JSON.stringify(cfg.labels)).not.toContain(ARG_SECRET);
    }
    const log = h.logs.get(key)?.tail(2000).join('\n') ?? '';
    const launchLine = log.split('\n').find((l) => l.includes('[agent] Launching')) ?? '';
    expect(launchLine).toContain('--hf-token hf_f...7654');
    expect(launchLine).toContain('HF_TOKEN=hf_s...3456');
    // A speed knob is not a secret just because its name mentions tokens.
    expect(launchLine).toContain('AERIE_SIM_TOKENS_PER_S=200');
    expect(log).not.toContain(ARG_SECRET);
  });

  it('refuses a second launch of the same key with 400 and a taken port with 409', async () => {
    const dup = await h.call('POST', '/deployments/start', simLaunch(MODEL, port));
    expect(dup).toMatchObject({ status: 400, body: { detail: 'Deployment already running' } });
    const taken = await h.call('POST', '/deployments/start', simLaunch('other/model', port));
    expect(taken.status).toBe(409);
    expect((taken.body as { detail: string }).detail).toBe(
      `Port ${port} is already in use on this node.`,
    );
  });

  it('refuses GPU ids the node does not have with 400', async () => {
    const res = await h.call(
      'POST',
      '/deployments/start',
      simLaunch('m/gpu', await freePort(), { gpu_ids: [0, 5] }),
    );
    expect(res).toMatchObject({
      status: 400,
      body: { detail: 'Requested GPU id(s) [5] not available; node has 2 GPU(s).' },
    });
  });

  it('refuses a deployment that does not fit the GPU with 409 when warm mode is off', async () => {
    const res = await h.call(
      'POST',
      '/deployments/start',
      simLaunch('m/big', await freePort(), { gpu_memory_fraction: 0.7 }),
    );
    expect(res.status).toBe(409);
    expect((res.body as { detail: string }).detail).toMatch(/GPU 0: .*skip_resource_check/);
    expect(h.engine.runningKeys()).toEqual([key]);
  });

  it('rejects a malformed body with 422 naming the field', async () => {
    const res = await h.call('POST', '/deployments/start', {
      model_name: 'x',
      port: 0,
      gpu_memory_fraction: 2,
    });
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body)).toContain('gpu_memory_fraction');
  });

  it('stops a deployment: stopping at once, then stopped with the process gone and the port free', async () => {
    const pid = (await h.call('GET', '/gpu-processes')).body as {
      pid: number;
      tracked: boolean;
      key: string;
    }[];
    const mine = pid.find((p) => p.key === key);
    expect(mine?.tracked).toBe(true);
    const res = await h.call('POST', '/deployments/stop', { key });
    expect(res).toMatchObject({ status: 200, body: { status: 'stopping' } });
    expect(h.entry(key)?.status).toBe('stopping');
    await waitFor(() => h.entry(key)?.status === 'stopped', 20_000, 'stopped');
    expect(h.engine.runningKeys()).toEqual([]);
    const alive = (() => {
      try {
        process.kill(mine!.pid, 0);
        return true;
      } catch {
        return false;
      }
    })();
    expect(alive).toBe(false);
    expect((await h.call('POST', '/deployments/stop', { key })).status).toBe(404);
  });
});
