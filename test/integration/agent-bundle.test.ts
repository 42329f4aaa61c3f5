import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { startAgent } from '../helpers/agent-process.js';
import { api } from '../helpers/http.js';
import { REPO_ROOT } from '../helpers/serve-process.js';

const BUNDLE = join(REPO_ROOT, 'out', 'agent', 'aerie-agent.mjs');

beforeAll(() => {
  const r = spawnSync(process.execPath, ['scripts/build-agent.mjs'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  if (r.status !== 0)
    throw new Error(`build-agent failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
}, 120_000);

describe('the standalone agent bundle', () => {
  it('contains every dependency and no native module', () => {
    const text = readFileSync(BUNDLE, 'utf8');
    expect(text).not.toMatch(/\.node["']\)/);
    expect(text).not.toMatch(/from ["'](zod|undici)["']/);
    expect(text).not.toMatch(/(?:from |require\(|import\()\s*["'](?:better-sqlite3|electron)["']/);
  });

  it('runs with plain node, prints the real port for --port 0 and answers /health', async () => {
    const agent = await startAgent(['--insecure'], {}, { command: [process.execPath, BUNDLE] });
    try {
      expect(agent.port).toBeGreaterThan(0);
      expect(await api(agent.url, 'GET', '/health')).toMatchObject({
        status: 200,
        body: { status: 'ok' },
      });
      expect((await api(agent.url, 'GET', '/info')).status).toBe(200);
    } finally {
      expect(await agent.stop()).toBe(0);
    }
  });

  it('refuses to start without a cluster token, like the CLI', () => {
    const r = spawnSync(process.execPath, [BUNDLE, '--port', '0'], {
      encoding: 'utf8',
      env: { ...process.env, AERIE_CLUSTER_TOKEN: '', AERIE_INSECURE: '' },
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--cluster-token \(AERIE_CLUSTER_TOKEN\): required/);
  });
});
