import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, startSim } from '../helpers/sim-process.js';

function portOpen(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      res(true);
    });
    s.once('error', () => res(false));
  });
}

const cases: { fault: string; lines: string[]; notLines: string[] }[] = [
  {
    fault: 'gpu-oom',
    lines: [
      'Starting to load model',
      'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate',
      'Engine core initialization failed',
    ],
    notLines: ['Application startup complete.'],
  },
  {
    fault: 'kv-cache',
    lines: [
      'Model loading took',
      'ValueError: No available memory for the cache blocks. Try increasing `gpu_memory_utilization` when initializing the engine.',
    ],
    notLines: ['CUDA out of memory', 'Application startup complete.'],
  },
  {
    fault: 'gated',
    lines: [
      'huggingface_hub.errors.GatedRepoError: 401 Client Error',
      'Cannot access gated repo for url https://huggingface.co/fault/gated/resolve/main/config.json',
      'Access to model fault/gated is restricted',
    ],
    notLines: ['Starting to load model'],
  },
  {
    fault: 'not-found',
    lines: [
      'huggingface_hub.errors.RepositoryNotFoundError',
      'Repository Not Found for url',
      'is not a local folder and is not a valid model identifier',
    ],
    notLines: ['401 Client Error', '403 Client Error', 'gated'],
  },
  {
    fault: 'no-gpu',
    lines: ['RuntimeError: Failed to infer device type'],
    notLines: ['Starting to load model'],
  },
];

describe('vllm-sim faults by reserved model name', () => {
  for (const c of cases) {
    it(`fault/${c.fault} prints vLLM's failure lines and exits 1 without ever serving`, async () => {
      const port = await freePort();
      const sim = await startSim(
        [`fault/${c.fault}`, '--port', String(port)],
        {},
        { waitReady: false },
      );
      expect(await sim.exited).toBe(1);
      for (const line of c.lines) expect(sim.logs()).toContain(line);
      for (const line of c.notLines) expect(sim.logs()).not.toContain(line);
    });
  }

  it('fault/hang-loading never opens its port and still stops on SIGTERM', async () => {
    const port = await freePort();
    const env = { AERIE_SIM_LOAD_S: '0.1' };
    const sim = await startSim(['fault/hang-loading', '--port', String(port)], env, {
      waitReady: false,
    });
    let code: number | null;
    try {
      await sim.waitForLog('Loading safetensors checkpoint shards:   0% Completed');
      // A healthy simulator with the same load time, started only now, has all of that load
      // behind it once it serves: by then the hanging one would have finished loading too.
      const healthy = await startSim(['m'], env);
      await healthy.stop();
      expect(await portOpen(port)).toBe(false);
      expect(sim.logs()).not.toContain('Model loading took');
    } finally {
      code = await sim.stop();
    }
    expect(code).toBe(0);
  });

  it('fault/crash-after-ready serves, then dies after AERIE_SIM_CRASH_AFTER_S with EngineDeadError and exit 1', async () => {
    const sim = await startSim(['fault/crash-after-ready'], { AERIE_SIM_CRASH_AFTER_S: '1' });
    expect((await fetch(`${sim.baseUrl}/health`)).status).toBe(200);
    const stream = await fetch(`${sim.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({
        messages: [{ role: 'user', content: 'x' }],
        max_tokens: 5000,
        ignore_eos: true,
        stream: true,
      }),
    });
    const body = await stream.text();
    expect(body).toContain('"type":"InternalServerError"');
    expect(body.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(await sim.exited).toBe(1);
    expect(sim.logs()).toContain(
      'EngineCore encountered an issue. See stack trace (above) for the root cause.',
    );
    expect(sim.logs()).toContain('EngineDeadError');
  });
});
