import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSimStateFiles } from '../../src-main/agent/gpu/sim-state-files.js';
import {
  SLEEP_RESIDUE_MB,
  SimulateGpusSpecError,
  createSimulatedGpuProvider,
  parseSimulateGpusSpec,
  simulatedGpuUuid,
  type SimulatedLoad,
} from '../../src-main/agent/gpu/simulated.js';

describe('parseSimulateGpusSpec', () => {
  it('expands counts and converts GB to MB', () => {
    expect(parseSimulateGpusSpec('2xH100-80GB')).toEqual([
      { model: 'H100', memory_total_mb: 81920 },
      { model: 'H100', memory_total_mb: 81920 },
    ]);
    expect(parseSimulateGpusSpec('1xA100-40GB, 1xL4-24GB').map((g) => g.model)).toEqual([
      'A100',
      'L4',
    ]);
    expect(parseSimulateGpusSpec('1xRTX-4090-24GB')).toEqual([
      { model: 'RTX-4090', memory_total_mb: 24576 },
    ]);
  });

  it.each([
    ['', /it is empty/],
    ['H100-80GB', /'H100-80GB' is not COUNTxNAME-MEMGB/],
    ['2xH100', /is not COUNTxNAME-MEMGB/],
    ['0xH100-80GB', /count of 0/],
    ['1xH100-0GB', /has no memory/],
    ['2xH100-80GB,', /'' is not COUNTxNAME-MEMGB/],
    ['65xH100-80GB', /more than 64 GPUs/],
  ])('rejects %j with a clear message', (spec, problem) => {
    expect(() => parseSimulateGpusSpec(spec)).toThrow(SimulateGpusSpecError);
    expect(() => parseSimulateGpusSpec(spec)).toThrow(problem);
    expect(() => parseSimulateGpusSpec(spec)).toThrow(/e\.g\. 2xH100-80GB/);
  });
});

describe('simulated GPU provider', () => {
  const specs = parseSimulateGpusSpec('2xH100-80GB');
  const withLoads = (loads: SimulatedLoad[]) => createSimulatedGpuProvider(specs, () => loads);
  const load = (over: Partial<SimulatedLoad>): SimulatedLoad => ({
    pid: 100,
    gpu_ids: [0],
    fraction: 0.5,
    sleeping: false,
    running_requests: 0,
    ...over,
  });

  it('reports idle GPUs with stable ids', async () => {
    const gpus = await withLoads([]).list();
    expect(gpus).toEqual([
      {
        index: 0,
        name: 'NVIDIA H100 80GB',
        uuid: simulatedGpuUuid(0),
        source: 'simulated',
        utilization: 0,
        memory_used_mb: 0,
        memory_total_mb: 81920,
      },
      {
        index: 1,
        name: 'NVIDIA H100 80GB',
        uuid: simulatedGpuUuid(1),
        source: 'simulated',
        utilization: 0,
        memory_used_mb: 0,
        memory_total_mb: 81920,
      },
    ]);
  });

  it('uses fraction × total while awake and a small residue while asleep', async () => {
    const gpus = await withLoads([
      load({ pid: 1, fraction: 0.5 }),
      load({ pid: 2, fraction: 0.3, sleeping: true }),
    ]).list();
    expect(gpus[0]?.memory_used_mb).toBe(40960 + SLEEP_RESIDUE_MB);
    expect(gpus[1]?.memory_used_mb).toBe(0);
  });

  it('counts a load without gpu_ids on every GPU and caps memory at the total', async () => {
    const gpus = await withLoads([
      load({ gpu_ids: null, fraction: 0.9 }),
      load({ pid: 2, gpu_ids: [1], fraction: 0.9 }),
    ]).list();
    expect(gpus[0]?.memory_used_mb).toBe(73728);
    expect(gpus[1]?.memory_used_mb).toBe(81920);
  });

  it('raises utilisation with in-flight requests, and not for sleeping or idle models', async () => {
    const busy = await withLoads([load({ running_requests: 2 })]).list();
    expect(busy[0]?.utilization).toBeGreaterThan(0);
    const busier = await withLoads([load({ running_requests: 6 })]).list();
    expect(busier[0]!.utilization!).toBeGreaterThan(busy[0]!.utilization!);
    const many = await withLoads([
      load({ running_requests: 50 }),
      load({ pid: 2, running_requests: 50 }),
    ]).list();
    expect(many[0]?.utilization).toBe(100);
    const asleep = await withLoads([load({ running_requests: 3, sleeping: true })]).list();
    expect(asleep[0]?.utilization).toBe(0);
  });

  it('lists the simulator processes as compute apps, one per GPU, named like vLLM', async () => {
    const apps = await withLoads([
      load({ pid: 7, gpu_ids: [0, 1], fraction: 0.25 }),
      load({ pid: 8, gpu_ids: [1], sleeping: true }),
    ]).computeApps();
    expect(apps).toEqual([
      {
        pid: 7,
        gpu_uuid: simulatedGpuUuid(0),
        used_memory_mb: 20480,
        process_name: 'VLLM::Worker_TP0',
      },
      {
        pid: 7,
        gpu_uuid: simulatedGpuUuid(1),
        used_memory_mb: 20480,
        process_name: 'VLLM::Worker_TP1',
      },
      {
        pid: 8,
        gpu_uuid: simulatedGpuUuid(1),
        used_memory_mb: SLEEP_RESIDUE_MB,
        process_name: 'VLLM::EngineCore',
      },
    ]);
  });

  it('ignores GPU ids the inventory does not have', async () => {
    const gpus = await withLoads([load({ gpu_ids: [5] })]).list();
    expect(gpus.every((g) => g.memory_used_mb === 0)).toBe(true);
  });

  it('reads the loads afresh on every query', async () => {
    let current: SimulatedLoad[] = [];
    const provider = createSimulatedGpuProvider(specs, () => current);
    expect((await provider.list())[0]?.memory_used_mb).toBe(0);
    current = [load({ fraction: 0.1 })];
    expect((await provider.list())[0]?.memory_used_mb).toBe(8192);
  });
});

describe('readSimStateFiles', () => {
  let dir = '';
  let child: ReturnType<typeof spawn> | null = null;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'aerie-simstate-'));
    // A real live process stands in for a simulator; a dead PID comes from a process that exited.
    child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const dead = spawn(process.execPath, ['-e', '']);
    const deadPid = dead.pid!;
    await new Promise((r) => dead.on('exit', r));
    const state = (pid: number, extra: object = {}) =>
      JSON.stringify({
        pid,
        port: 8001,
        sleeping: false,
        gpu_memory_utilization: 0.4,
        running_requests: 2,
        model: 'm',
        ...extra,
      });
    await writeFile(path.join(dir, 'a.json'), state(child.pid!));
    await writeFile(
      path.join(dir, 'b.json'),
      state(process.pid, { sleeping: true, gpu_ids: [1], port: 8002 }),
    );
    await writeFile(path.join(dir, 'dead.json'), state(deadPid));
    await writeFile(path.join(dir, 'half.json'), '{"pid": 12');
    await writeFile(path.join(dir, 'wrong.json'), JSON.stringify({ pid: process.pid, port: 'x' }));
    await writeFile(path.join(dir, 'notes.txt'), state(process.pid));
  });
  afterAll(async () => {
    child?.kill();
    await rm(dir, { recursive: true, force: true });
  });

  it('turns live simulator state files into loads and skips dead, partial and malformed ones', async () => {
    const loads = await readSimStateFiles(dir, {
      gpuIdsFor: (s) => (s.port === 8001 ? [0] : null),
    });
    expect(loads).toEqual(
      [
        { pid: child!.pid!, gpu_ids: [0], fraction: 0.4, sleeping: false, running_requests: 2 },
        { pid: process.pid, gpu_ids: [1], fraction: 0.4, sleeping: true, running_requests: 2 },
      ].sort((a, b) => a.pid - b.pid),
    );
  });

  it('feeds the simulated provider end to end', async () => {
    const provider = createSimulatedGpuProvider(parseSimulateGpusSpec('2xH100-80GB'), () =>
      readSimStateFiles(dir),
    );
    const gpus = await provider.list();
    // The live awake simulator has no gpu_ids → both GPUs; the sleeping one sits on GPU 1.
    expect(gpus.map((g) => g.memory_used_mb)).toEqual([32768, 32768 + SLEEP_RESIDUE_MB]);
  });

  it('yields no loads for a missing directory', async () => {
    expect(await readSimStateFiles(path.join(dir, 'nope'))).toEqual([]);
  });
});
