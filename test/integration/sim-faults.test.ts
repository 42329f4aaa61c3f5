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
        { HF_TOKEN: 'hf_sim_token' },
        { waitReady: false },
      );
      expect(await sim.exited).toBe(1);
      for (const line of c.lines) expect(sim.logs()).toContain(line);
      for (const line of c.notLines) expect(sim.logs()).not.toContain(line);
    });
  }

  it('fault/not-found without HF_TOKEN fails with RepositoryNotFoundError on a 401, as the Hub answers', async () => {
    const run = async (env: Record<string, string>) => {
      const sim = await startSim(['fault/not-found'], env, { waitReady: false });
      expect(await sim.exited).toBe(1);
      return sim.logs();
    };
    const anonymous = await run({ HF_TOKEN: '' });
    expect(anonymous).toContain('huggingface_hub.errors.RepositoryNotFoundError: 401 Client Error');
    expect(anonymous).toContain('401 Client Error: Unauthorized for url');
    expect(anonymous).toContain('make sure you are authenticated');
    expect(anonymous).not.toContain('GatedRepoError');
    const withToken = await run({ HF_TOKEN: 'hf_sim_token' });
    expect(withToken).toContain('huggingface_hub.errors.RepositoryNotFoundError: 404 Client Error');
    expect(withToken).not.toContain('401');
  });

  it("fails like vLLM on a --max-model-len above the model's derived length, unless VLLM_ALLOW_LONG_MAX_MODEL_LEN", async () => {
    const tooLong = await startSim(
      ['fault/max-model-len', '--max-model-len', '8192'],
      {},
      {
        waitReady: false,
      },
    );
    expect(await tooLong.exited).toBe(1);
    expect(tooLong.logs()).toContain(
      'User-specified max_model_len (8192) is greater than the derived max_model_len (max_position_embeddings=4096',
    );
    expect(tooLong.logs()).not.toContain('Starting to load model');
    // Without the flag the model's own length is used, and it starts.
    const own = await startSim(['fault/max-model-len']);
    expect(own.logs()).toContain('Using max model len 4096');
    await own.stop();
    const allowed = await startSim(['fault/max-model-len', '--max-model-len', '8192'], {
      VLLM_ALLOW_LONG_MAX_MODEL_LEN: '1',
    });
    expect(allowed.logs()).toContain('Using max model len 8192');
    await allowed.stop();
  });

  it('fault/lora-not-found and fault/lora-rank fail loading the first static adapter', async () => {
    const lora = ['--enable-lora', '--lora-modules', 'sql=/adapters/sql'];
    const missing = await startSim(['fault/lora-not-found', ...lora], {}, { waitReady: false });
    expect(await missing.exited).toBe(1);
    expect(missing.logs()).toContain(
      'ValueError: Loading lora sql failed: No adapter found for /adapters/sql',
    );
    expect(missing.logs()).not.toContain('Application startup complete.');
    const rank = await startSim(
      ['fault/lora-rank', ...lora, '--max-lora-rank', '32'],
      {},
      {
        waitReady: false,
      },
    );
    expect(await rank.exited).toBe(1);
    expect(rank.logs()).toContain('LoRA rank 128 is greater than max_lora_rank 32.');
  });

  it('fault/low-free-memory fails the free-memory check in the wording of its version', async () => {
    const run = async (version: string) => {
      const sim = await startSim(
        ['fault/low-free-memory', '--gpu-memory-utilization', '0.9'],
        {
          AERIE_SIM_VLLM_VERSION: version,
        },
        { waitReady: false },
      );
      expect(await sim.exited).toBe(1);
      expect(sim.logs()).not.toContain('Starting to load model');
      return sim.logs();
    };
    expect(await run('0.11.0')).toMatch(
      /ValueError: Free memory on device \(\d+\.\d\d\/79\.19 GiB\) on startup is less than desired GPU memory utilization \(0\.9, 71\.27 GiB\)/,
    );
    expect(await run('0.29.0')).toContain('Free memory on device cuda:0 (');
  });

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
