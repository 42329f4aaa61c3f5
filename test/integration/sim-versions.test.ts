// The simulator imitates the vLLM line AERIE_SIM_VLLM_VERSION names (default: the newest): its
// removed flags, start-up wording and metric families (issue 10, item 5).
import { describe, expect, it } from 'vitest';
import { LATEST_LINE } from '../../src-main/shared/vllm-versions.js';
import { startSim } from '../helpers/sim-process.js';

const families = (text: string) =>
  new Set(
    text
      .split('\n')
      .filter((l) => l.startsWith('# TYPE '))
      .map((l) => l.split(' ')[2]),
  );

describe('vllm-sim version profiles', () => {
  it('defaults to the newest line: its version, wording and metrics', async () => {
    const sim = await startSim(['Qwen/Qwen3-0.6B', '--enable-sleep-mode']);
    try {
      expect(await (await fetch(`${sim.baseUrl}/version`)).json()).toEqual({
        version: LATEST_LINE.version,
      });
      expect(sim.logs()).toContain(`Starting vLLM server on http://0.0.0.0:${sim.port}`);
      expect(sim.logs()).toContain("Supported tasks: ['generate']");
      expect(sim.logs()).not.toContain('Starting vLLM API server 0');
      const text = await (await fetch(`${sim.baseUrl}/metrics`)).text();
      const names = families(text);
      expect(names.has('vllm:inter_token_latency_seconds')).toBe(true);
      expect(names.has('vllm:time_per_output_token_seconds')).toBe(false);
      expect(text).toContain(
        'vllm:engine_sleep_state{engine="0",model_name="Qwen/Qwen3-0.6B",sleep_state="awake"} 1.0',
      );
    } finally {
      await sim.stop();
    }
  });

  it('imitates 0.11 when asked: the old wording, time_per_output_token, no sleep-state gauge', async () => {
    const sim = await startSim(['Qwen/Qwen3-0.6B'], { AERIE_SIM_VLLM_VERSION: '0.11.0' });
    try {
      expect(await (await fetch(`${sim.baseUrl}/version`)).json()).toEqual({ version: '0.11.0' });
      expect(sim.logs()).toContain(`Starting vLLM API server 0 on http://0.0.0.0:${sim.port}`);
      expect(sim.logs()).toContain("Supported_tasks: ['generate']");
      const names = families(await (await fetch(`${sim.baseUrl}/metrics`)).text());
      expect(names.has('vllm:time_per_output_token_seconds')).toBe(true);
      expect(names.has('vllm:inter_token_latency_seconds')).toBe(true);
      expect(names.has('vllm:engine_sleep_state')).toBe(false);
    } finally {
      await sim.stop();
    }
  });

  it('exits 2 with argparse\u2019s error for a flag its version removed, and accepts it where it exists', async () => {
    const current = await startSim(['m', '--swap-space', '4'], {}, { waitReady: false });
    expect(await current.exited).toBe(2);
    expect(current.logs()).toContain('vllm serve: error: unrecognized arguments: --swap-space 4');
    const task = await startSim(['m', '--task', 'generate'], {}, { waitReady: false });
    expect(await task.exited).toBe(2);
    expect(task.logs()).toContain('unrecognized arguments: --task generate');
    const old = await startSim(['m', '--swap-space', '4', '--task', 'generate'], {
      AERIE_SIM_VLLM_VERSION: '0.11.0',
    });
    expect(old.logs()).toContain("'swap_space': 4");
    await old.stop();
    for (const version of ['0.11.0', LATEST_LINE.version]) {
      const sim = await startSim(
        ['m', '--max-seq-len-to-capture', '8192'],
        { AERIE_SIM_VLLM_VERSION: version },
        { waitReady: false },
      );
      expect(await sim.exited).toBe(2);
      expect(sim.logs()).toContain('unrecognized arguments: --max-seq-len-to-capture 8192');
    }
  });
});
