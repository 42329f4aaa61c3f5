// Env var values are secrets (HF tokens): on the agent's disk they live in one file, state.json
// (mode 0600), and nowhere else in the data dir, the process runtime's container files included;
// the server process still gets them.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type AgentProcess } from '../helpers/agent-process.js';
import { freePort } from '../helpers/engine-harness.js';
import { api } from '../helpers/http.js';
import { waitForValue } from '../helpers/wait.js';

let agent: AgentProcess;
beforeAll(async () => {
  agent = await startAgent(['--runtime', 'process', '--simulate-gpus', '1xH100-80GB']);
});
afterAll(() => agent.stop());

const SECRET = `hf_${randomBytes(16).toString('hex')}`;

/** Every regular file under `dir` whose bytes contain `needle`, relative to `dir`. */
function filesHolding(dir: string, needle: string): string[] {
  const out: string[] = [];
  for (const rel of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const full = join(dir, rel);
    let st;
    try {
      st = statSync(full);
    } catch {
      continue;
    }
    if (st.isFile() && readFileSync(full).includes(needle)) out.push(relative(dir, full));
  }
  return out.sort();
}

describe('env var values at rest on the agent', () => {
  it('are in state.json (0600) only, while the server process has them', async () => {
    const port = await freePort();
    const key = `org/secretive:${port}`;
    const r = await api(
      agent.url,
      'POST',
      '/deployments/start',
      {
        model_name: 'org/secretive',
        port,
        gpu_memory_fraction: 0.2,
        env_vars: [
          { key: 'HF_TOKEN', value: SECRET },
          { key: 'AERIE_SIM_LOAD_S', value: '0.3' },
        ],
      },
      agent.auth(),
    );
    expect(r.status).toBe(200);
    await waitForValue(
      async () => {
        const s = (await api(agent.url, 'GET', '/deployments/status', undefined, agent.auth()))
          .body as { deployments: { key: string; status: string }[] };
        return s.deployments.find((d) => d.key === key)?.status === 'running';
      },
      20_000,
      'the deployment to run',
    );

    expect(filesHolding(agent.dataDir, SECRET)).toEqual(['state.json']);
    expect(statSync(join(agent.dataDir, 'state.json')).mode & 0o777).toBe(0o600);

    const procs = join(agent.dataDir, 'processes');
    const [id] = readdirSync(procs);
    const pid = (
      JSON.parse(readFileSync(join(procs, id ?? '', 'state.json'), 'utf8')) as {
        pid: number;
      }
    ).pid;
    expect(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')).toContain(
      `HF_TOKEN=${SECRET}`,
    );

    await api(agent.url, 'POST', '/deployments/stop', { key }, agent.auth());
    await waitForValue(
      async () => {
        const s = (await api(agent.url, 'GET', '/deployments', undefined, agent.auth())).body as {
          running: string[];
        };
        return !s.running.includes(key);
      },
      20_000,
      'the deployment to stop',
    );
    expect(filesHolding(agent.dataDir, SECRET)).toEqual([]);
  });
});
