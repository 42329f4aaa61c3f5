// Input that passed the agent's validation and then failed deep inside (a 500, a dead process
// shim, a host path in the detail) is refused at the boundary with a 4xx naming the field.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type AgentProcess } from '../helpers/agent-process.js';
import { api } from '../helpers/http.js';
import { rawRequestBytes, sendRaw } from '../helpers/raw-http.js';

let agent: AgentProcess;
beforeAll(async () => {
  agent = await startAgent(['--runtime', 'process', '--simulate-gpus', '2xH100-80GB']);
});
afterAll(() => agent.stop());

type Issue = { loc: (string | number)[]; msg: string; type: string };
const call = (method: string, path: string, body?: unknown) =>
  api(agent.url, method, path, body, agent.auth());

/** Asserts a 4xx whose body never names the data dir, and returns the 422 locs (if any). */
function refused(r: { status: number; body: unknown }): string[] {
  expect(r.status >= 400 && r.status < 500, JSON.stringify(r)).toBe(true);
  expect(JSON.stringify(r.body)).not.toContain(agent.dataDir);
  const detail = (r.body as { detail: unknown }).detail;
  return Array.isArray(detail) ? (detail as Issue[]).map((d) => d.loc.join('.')) : [];
}

const launch = {
  model_name: 'org/model',
  port: 18301,
  gpu_memory_fraction: 0.2,
  skip_resource_check: true,
};

describe('agent launch input that used to fail after validation', () => {
  it.each([
    ['a NUL byte in model_name', { model_name: 'org/mo\u0000del' }, 'body.model_name'],
    ['a newline in model_name', { model_name: 'org/mo\ndel' }, 'body.model_name'],
    ['a 300-character model_name', { model_name: `org/${'m'.repeat(296)}` }, 'body.model_name'],
    [
      'a NUL byte in an env_vars value',
      { env_vars: [{ key: 'HF_TOKEN', value: 'hf_\u0000x' }] },
      'body.env_vars.0.value',
    ],
    [
      'a NUL byte in an extra_args item',
      { extra_args: ['--seed', '1\u0000'] },
      'body.extra_args.1',
    ],
    ['a 1 MB extra_args item', { extra_args: ['x'.repeat(1024 * 1000)] }, 'body.extra_args.0'],
    [
      'a NUL byte in an engine_args value',
      { engine_args: { served_model_name: 'a\u0000b' } },
      'body.engine_args',
    ],
    [
      'a NUL byte in a LoRA name',
      { lora_modules: [{ name: 'a\u0000', path: 'org/l' }] },
      'body.lora_modules.0.name',
    ],
    ['a control character in owner', { owner: 'al\u0007ice' }, 'body.owner'],
    ['a version that is not a tag', { vllm_version: `0.11.0\u0000` }, 'body.vllm_version'],
    ['a 5,000-item extra_args', { extra_args: Array(5000).fill('-x') }, 'body.extra_args'],
  ])('answers %s with 422 naming the field', async (_what, patch, loc) => {
    const r = await call('POST', '/deployments/start', { ...launch, ...patch });
    expect(r.status, JSON.stringify(r.body).slice(0, 300)).toBe(422);
    expect(refused(r)).toContain(loc);
  });

  it('launched nothing and left no process behind', async () => {
    const status = await call('GET', '/deployments/status');
    expect(status.body).toEqual({ deployments: [] });
    const procs = join(agent.dataDir, 'processes');
    expect(existsSync(procs) ? readdirSync(procs) : []).toEqual([]);
    expect(agent.proc.exitCode).toBeNull();
  });

  it.each([
    ['stop', '/deployments/stop', { key: 'a\u0000:1' }],
    ['pause', '/deployments/pause', { key: 'k'.repeat(400) }],
    ['plan', '/deployments/plan', { model_name: 'm\u0000', port: 1, gpu_memory_fraction: 0.5 }],
    ['config', '/config', { pins: ['a\u0000:1'] }],
  ])('answers a hostile key on %s with 422', async (_what, path, body) => {
    const r = await call('POST', path, body);
    expect(r.status).toBe(422);
    refused(r);
  });
});

describe('agent file input that used to fail after validation', () => {
  it('refuses an upload path with a 256-character file name and keeps nothing', async () => {
    const begin = await call('POST', '/local-models/upload/begin', {
      name: 'long-names',
      total_bytes: 10,
      file_count: 2,
    });
    const sid = (begin.body as { session_id: string }).session_id;
    for (const path of [`${'n'.repeat(256)}`, `dir/${'é'.repeat(128)}.bin`]) {
      const r = await sendRaw(
        agent.url,
        rawRequestBytes(
          'PUT',
          `/local-models/upload/${sid}/file?path=${encodeURIComponent(path)}`,
          agent.auth(),
          'abcde',
        ),
      );
      expect(r.status, r.text).toBe(422);
      expect(r.text).not.toContain(agent.dataDir);
    }
    const ok = await sendRaw(
      agent.url,
      rawRequestBytes(
        'PUT',
        `/local-models/upload/${sid}/file?path=${'n'.repeat(255)}`,
        agent.auth(),
        'abcde',
      ),
    );
    expect(ok.status, ok.text).toBe(200);
    await call('POST', `/local-models/upload/${sid}/abort`);
  });

  it.each([
    ['an archive name with NUL', '/local-models/archive?name=a%00b&filename=m.zip'],
    [
      'an archive file name of 300 characters',
      `/local-models/archive?name=a&filename=${'f'.repeat(296)}.zip`,
    ],
  ])('refuses %s with a 4xx', async (_what, path) => {
    const r = await sendRaw(agent.url, rawRequestBytes('POST', path, agent.auth(), 'PK'));
    expect(r.status >= 400 && r.status < 500, r.text).toBe(true);
    expect(r.text).not.toContain(agent.dataDir);
  });
});

describe('agent request targets that are not paths', () => {
  it.each(['http://[', 'http://agent/health', '*', 'health'])(
    'answers GET %s with 400 and stays up',
    async (target) => {
      const r = await sendRaw(agent.url, `GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(r.status).toBe(400);
      expect(agent.proc.exitCode).toBeNull();
      expect((await fetch(`${agent.url}/health`)).status).toBe(200);
    },
  );
});
