// Command-line and wire-shape details of real vLLM the simulator imitates (issue 10, item 7).
import { describe, expect, it } from 'vitest';
import { startSim } from '../helpers/sim-process.js';

const chat = (url: string, body: unknown, key?: string) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
    },
    body: JSON.stringify(body),
  });
const hi = { messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 };

describe('vllm-sim CLI and shape details', () => {
  it('accepts any of several --api-key values', async () => {
    const sim = await startSim(['m', '--api-key', 'key-one', 'key-two']);
    try {
      expect((await chat(sim.baseUrl, hi, 'key-one')).status).toBe(200);
      expect((await chat(sim.baseUrl, hi, 'key-two')).status).toBe(200);
      expect((await chat(sim.baseUrl, hi, 'key-three')).status).toBe(401);
      expect((await chat(sim.baseUrl, hi)).status).toBe(401);
    } finally {
      await sim.stop();
    }
  });

  it('fails a LoRA path with a comma like vLLM: "Invalid JSON format", exit 2', async () => {
    const sim = await startSim(
      ['m', '--enable-lora', '--lora-modules', 'sql=/adapters/a,b'],
      {},
      { waitReady: false },
    );
    expect(await sim.exited).toBe(2);
    expect(sim.logs()).toContain(
      'vllm serve: error: Invalid JSON format for --lora-modules: sql=/adapters/a,b',
    );
  });

  it('colours the process prefix and redraws tqdm bars with \\r', async () => {
    const sim = await startSim(['org/m-20B', '--enforce-eager']);
    try {
      expect(sim.logs()).toContain(`\x1b[1;36m(APIServer pid=${sim.proc.pid})\x1b[0;0m INFO `);
      expect(sim.logs()).toMatch(
        /Loading safetensors checkpoint shards: {3}0% Completed \| 0\/\d+ \[00:00<\?, \?it\/s\]\rLoading safetensors checkpoint shards: +\d+% Completed/,
      );
    } finally {
      await sim.stop();
    }
  });

  it('answers with null token_ids and prompt_token_ids, and the max-tokens wording of its line', async () => {
    const current = await startSim(['m', '--max-model-len', '64']);
    const old = await startSim(['m', '--max-model-len', '64'], {
      AERIE_SIM_VLLM_VERSION: '0.11.0',
    });
    try {
      const body = (await (await chat(current.baseUrl, hi)).json()) as Record<string, unknown> & {
        choices: Record<string, unknown>[];
      };
      expect(body).toHaveProperty('prompt_token_ids', null);
      expect(body.choices[0]).toHaveProperty('token_ids', null);
      const done = (await (
        await fetch(`${current.baseUrl}/v1/completions`, {
          method: 'POST',
          body: JSON.stringify({ prompt: 'hi', max_tokens: 2 }),
        })
      ).json()) as { choices: Record<string, unknown>[] };
      expect(done.choices[0]).toMatchObject({ token_ids: null, prompt_token_ids: null });
      const tooMany = { ...hi, max_tokens: 100 };
      const r = await chat(current.baseUrl, tooMany);
      expect(r.status).toBe(400);
      expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(
        /^'max_tokens' or 'max_completion_tokens' is too large: 100\. This model's maximum context length is 64 tokens and your request has (\d+) input tokens \(100 > 64 - \1\)\.$/,
      );
      const o = await chat(old.baseUrl, tooMany);
      expect(((await o.json()) as { error: { message: string } }).error.message).toMatch(
        /^This model's maximum context length is 64 tokens\. However, you requested \d+ tokens/,
      );
    } finally {
      await current.stop();
      await old.stop();
    }
  });

  it('answers a POST whose body is not JSON with 400', async () => {
    const sim = await startSim(['m']);
    try {
      const r = await fetch(`${sim.baseUrl}/v1/completions`, { method: 'POST', body: 'prompt=hi' });
      expect(r.status).toBe(400);
      expect(((await r.json()) as { error: { code: number } }).error.code).toBe(400);
    } finally {
      await sim.stop();
    }
  });
});
