import { hostname, homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAgentConfig } from '../../src-main/agent/config.js';

const TOKEN = 'cluster-token-0123456789';

describe('aerie agent configuration', () => {
  it('applies the documented defaults', () => {
    const r = loadAgentConfig(['--cluster-token', TOKEN], {});
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config).toMatchObject({
      host: '0.0.0.0',
      port: 9000,
      dataDir: join(homedir(), '.local', 'share', 'aerie-agent'),
      nodeName: hostname(),
      imageRepo: 'vllm/vllm-openai',
      insecure: false,
      controlPlane: undefined,
      consulUrl: undefined,
      runtime: undefined,
      logMaxBytes: 50 * 1024 * 1024,
      logRetentionDays: 14,
    });
    expect(Object.isFrozen(r.config)).toBe(true);
  });

  it('reads every flag, and flags win over AERIE_* variables', () => {
    const r = loadAgentConfig(
      [
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--data-dir',
        '/tmp/agent-x',
        '--node-name',
        'gpu-a',
        '--control-plane',
        'http://10.0.0.5:8000/',
        '--advertise-host',
        '10.0.0.7',
        '--runtime',
        'podman',
        '--simulate-gpus',
        '1xA100-40GB,1xL4-24GB',
        '--image-repo',
        'registry.local/vllm',
        '--consul-url',
        'http://c:8500',
        '--model-dirs',
        '/models/a, /models/b',
      ],
      {
        AERIE_CLUSTER_TOKEN: TOKEN,
        AERIE_PORT: '1234',
        AERIE_AGENT_LOG_MAX_MB: '5',
        AERIE_AGENT_LOG_RETENTION_DAYS: '3',
      },
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config).toMatchObject({
      host: '127.0.0.1',
      port: 0,
      dataDir: '/tmp/agent-x',
      nodeName: 'gpu-a',
      controlPlane: 'http://10.0.0.5:8000',
      clusterToken: TOKEN,
      advertiseHost: '10.0.0.7',
      runtime: 'podman',
      imageRepo: 'registry.local/vllm',
      consulUrl: 'http://c:8500',
      modelDirs: ['/models/a', '/models/b'],
      hfCacheDir: '/tmp/agent-x/hf-cache',
      logMaxBytes: 5 * 1024 * 1024,
      logRetentionDays: 3,
    });
    expect(r.config.simulateGpus).toEqual([
      { model: 'A100', memory_total_mb: 40 * 1024 },
      { model: 'L4', memory_total_mb: 24 * 1024 },
    ]);
  });

  it('lists every problem at once, each naming its flag and variable', () => {
    const r = loadAgentConfig(
      [
        '--port',
        '70000',
        '--runtime',
        'lxc',
        '--simulate-gpus',
        '2xH100',
        '--control-plane',
        'ftp://x',
        '--bogus',
      ],
      { AERIE_AGENT_LOG_MAX_MB: 'lots' },
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const text = r.problems.join('\n');
    expect(text).toMatch(/unknown flag --bogus/);
    expect(text).toMatch(/--port \(AERIE_PORT\): must be 0–65535/);
    expect(text).toMatch(/--runtime \(AERIE_RUNTIME\)/);
    expect(text).toMatch(
      /--simulate-gpus \(AERIE_SIMULATE_GPUS\): .*'2xH100' is not COUNTxNAME-MEMGB/,
    );
    expect(text).toMatch(/--control-plane \(AERIE_CONTROL_PLANE\)/);
    expect(text).toMatch(/AERIE_AGENT_LOG_MAX_MB/);
    expect(text).toMatch(/--cluster-token \(AERIE_CLUSTER_TOKEN\): required.*--insecure/);
    expect(r.problems.length).toBeGreaterThanOrEqual(7);
  });

  it('refuses to run without a cluster token unless --insecure', () => {
    const refused = loadAgentConfig([], {});
    expect(refused.ok).toBe(false);
    const insecure = loadAgentConfig(['--insecure'], {});
    expect(
      insecure.ok && insecure.config.insecure && insecure.config.clusterToken === undefined,
    ).toBe(true);
    const fromEnv = loadAgentConfig([], { AERIE_INSECURE: 'true' });
    expect(fromEnv.ok).toBe(true);
  });

  it('rejects a short cluster token', () => {
    const r = loadAgentConfig(['--cluster-token', 'short'], {});
    expect(r.ok ? [] : r.problems).toEqual([expect.stringMatching(/--cluster-token.*at least 16/)]);
  });

  it('expands the simulated GPU spec COUNTxNAME-MEMGB into one entry per GPU', () => {
    const r = loadAgentConfig(['--insecure', '--simulate-gpus', '2xH100-80GB'], {});
    expect(r.ok && r.config.simulateGpus).toEqual([
      { model: 'H100', memory_total_mb: 81920 },
      { model: 'H100', memory_total_mb: 81920 },
    ]);
    const bad = loadAgentConfig(['--insecure', '--simulate-gpus', '0xH100-80GB'], {});
    expect(bad.ok ? [] : bad.problems).toEqual([
      expect.stringMatching(/^--simulate-gpus \(AERIE_SIMULATE_GPUS\): .*count of 0/),
    ]);
  });
});
