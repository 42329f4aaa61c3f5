import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NvidiaSmiError,
  createNvidiaSmiProvider,
  withUnifiedFallback,
} from '../../src-main/agent/gpu/nvidia-smi.js';
import {
  parseComputeApps,
  parseGpuQuery,
  parseSmiNumber,
} from '../../src-main/agent/gpu/nvidia-smi-parse.js';

const FIXTURES = path.join(import.meta.dirname, '../fixtures/nvidia-smi');
const fixture = (name: string) => readFile(path.join(FIXTURES, name), 'utf8');
const hostRam = () => ({ total_mb: 128_000, used_mb: 40_000 });

describe('nvidia-smi output parsing', () => {
  it('reads a multi-GPU host', async () => {
    const gpus = parseGpuQuery(await fixture('gpus-4x-h100.txt'), hostRam);
    expect(gpus).toHaveLength(4);
    expect(gpus[0]).toEqual({
      index: 0,
      name: 'NVIDIA H100 80GB HBM3',
      uuid: 'GPU-3f6b2a91-7c4e-5d8a-b1f0-9e2d4c6a8b10',
      source: 'nvidia-smi',
      utilization: 37,
      memory_used_mb: 74113,
      memory_total_mb: 81559,
    });
    expect(gpus.map((g) => g.index)).toEqual([0, 1, 2, 3]);
  });

  it('turns [N/A] and [Not Supported] into null but keeps the device', async () => {
    const [mig, t4] = parseGpuQuery(await fixture('gpus-na-fields.txt'), hostRam);
    expect(mig).toMatchObject({
      name: 'NVIDIA A100-SXM4-80GB MIG 3g.40gb',
      utilization: null,
      memory_used_mb: 12034,
      memory_total_mb: 40192,
    });
    expect(t4).toMatchObject({
      name: 'Tesla T4',
      utilization: null,
      memory_used_mb: null,
      memory_total_mb: 15360,
      source: 'nvidia-smi',
    });
  });

  it('fills a unified-memory device (GB10) from host RAM and keeps its utilisation', async () => {
    const [gb10] = parseGpuQuery(await fixture('gpus-gb10-unified.txt'), hostRam);
    expect(gb10).toEqual({
      index: 0,
      name: 'NVIDIA GB10',
      uuid: 'GPU-a1b2c3d4-e5f6-4789-8abc-def012345678',
      source: 'unified',
      utilization: 12,
      memory_used_mb: 40_000,
      memory_total_mb: 128_000,
    });
  });

  it('reads compute processes, including ones with unknown memory', async () => {
    const apps = parseComputeApps(await fixture('apps-4x-h100.txt'));
    expect(apps).toHaveLength(4);
    expect(apps[0]).toEqual({
      pid: 2847193,
      gpu_uuid: 'GPU-3f6b2a91-7c4e-5d8a-b1f0-9e2d4c6a8b10',
      used_memory_mb: 73942,
      process_name: 'VLLM::EngineCore',
    });
    expect(apps[3]).toMatchObject({
      pid: 3001,
      used_memory_mb: null,
      process_name: '/usr/bin/python3',
    });
    expect(parseComputeApps(await fixture('apps-gb10-unified.txt'))[0]?.used_memory_mb).toBeNull();
  });

  it('reads an empty process list as no processes', async () => {
    expect(parseComputeApps(await fixture('apps-none.txt'))).toEqual([]);
  });

  it('rejects lines that are not nvidia-smi rows', () => {
    expect(() => parseGpuQuery('No devices were found\n', hostRam)).toThrow(
      /Unexpected nvidia-smi GPU line/,
    );
    expect(() => parseComputeApps('garbage\n')).toThrow(/Unexpected nvidia-smi process line/);
  });

  it('parses fields leniently', () => {
    expect(parseSmiNumber(' 81559 ')).toBe(81559);
    expect(parseSmiNumber('81559 MiB')).toBe(81559);
    expect(parseSmiNumber('[GPU requires reset]')).toBeNull();
    expect(parseSmiNumber('N/A')).toBeNull();
  });
});

// A fake nvidia-smi that answers only the exact argument strings the agent must use.
const FAKE = `#!/bin/sh
case "$*" in
  "--query-gpu=index,name,uuid,utilization.gpu,memory.used,memory.total --format=csv,noheader,nounits") file="$FAKE_SMI_GPUS" ;;
  "--query-compute-apps=pid,gpu_uuid,used_memory,process_name --format=csv,noheader,nounits") file="$FAKE_SMI_APPS" ;;
  *) echo "Invalid combination of input arguments: $*"; exit 2 ;;
esac
if [ -n "$FAKE_SMI_SLEEP" ]; then sleep "$FAKE_SMI_SLEEP"; fi
if [ -n "$FAKE_SMI_EXIT" ]; then cat "$FAKE_SMI_FAIL_OUT"; exit "$FAKE_SMI_EXIT"; fi
cat "$file"
`;

describe('nvidia-smi provider (real child process)', () => {
  let dir = '';
  const env = (extra: Record<string, string> = {}) => ({
    PATH: `${dir}:${process.env.PATH ?? ''}`,
    FAKE_SMI_GPUS: path.join(FIXTURES, 'gpus-4x-h100.txt'),
    FAKE_SMI_APPS: path.join(FIXTURES, 'apps-4x-h100.txt'),
    FAKE_SMI_FAIL_OUT: path.join(FIXTURES, 'driver-not-loaded.txt'),
    ...extra,
  });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'aerie-smi-'));
    await writeFile(path.join(dir, 'nvidia-smi'), FAKE);
    await chmod(path.join(dir, 'nvidia-smi'), 0o755);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs the exact GPU and process queries found on PATH', async () => {
    const provider = createNvidiaSmiProvider({ env: env(), systemMemory: hostRam });
    const gpus = await provider.list();
    expect(gpus.map((g) => [g.index, g.memory_used_mb])).toEqual([
      [0, 74113],
      [1, 1],
      [2, 40211],
      [3, 40209],
    ]);
    const apps = await provider.computeApps();
    expect(apps.map((a) => a.pid)).toEqual([2847193, 2851002, 2851003, 3001]);
  });

  it('reports the unified GB10 host and an empty process list', async () => {
    const provider = createNvidiaSmiProvider({
      env: env({
        FAKE_SMI_GPUS: path.join(FIXTURES, 'gpus-gb10-unified.txt'),
        FAKE_SMI_APPS: path.join(FIXTURES, 'apps-none.txt'),
      }),
      systemMemory: hostRam,
    });
    expect((await provider.list())[0]?.source).toBe('unified');
    expect(await provider.computeApps()).toEqual([]);
  });

  it('fails with the driver message and exit code when the driver is not loaded', async () => {
    const provider = createNvidiaSmiProvider({ env: env({ FAKE_SMI_EXIT: '9' }) });
    const err = await provider.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NvidiaSmiError);
    expect(err).toMatchObject({ kind: 'failed', exitCode: 9 });
    expect((err as Error).message).toMatch(
      /exited with code 9: NVIDIA-SMI has failed because it couldn't communicate/,
    );
  });

  it('fails as missing when nvidia-smi is not installed', async () => {
    const provider = createNvidiaSmiProvider({
      command: 'nvidia-smi-not-installed-here',
      env: env(),
    });
    await expect(provider.list()).rejects.toMatchObject({ kind: 'missing' });
  });

  it('gives up on a hung nvidia-smi after its timeout', async () => {
    const provider = createNvidiaSmiProvider({ env: env({ FAKE_SMI_SLEEP: '5' }), timeoutMs: 200 });
    await expect(provider.computeApps()).rejects.toMatchObject({ kind: 'timeout' });
  });

  it('falls back to one unified pseudo-GPU without NVIDIA tooling', async () => {
    const provider = withUnifiedFallback(
      createNvidiaSmiProvider({ env: env({ FAKE_SMI_EXIT: '9' }) }),
      hostRam,
    );
    expect(await provider.list()).toEqual([
      {
        index: 0,
        name: 'Unified memory',
        uuid: '',
        source: 'unified',
        utilization: null,
        memory_used_mb: 40_000,
        memory_total_mb: 128_000,
      },
    ]);
    expect(await provider.computeApps()).toEqual([]);
  });

  it('passes real results through the fallback untouched', async () => {
    const provider = withUnifiedFallback(
      createNvidiaSmiProvider({ env: env(), systemMemory: hostRam }),
      hostRam,
    );
    expect(await provider.list()).toHaveLength(4);
  });
});
