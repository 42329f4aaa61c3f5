import OpenAI, { APIError } from 'openai';
import { LATEST_LINE } from '../../src-main/shared/vllm-versions.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimProcess, startSim } from '../helpers/sim-process.js';

let sim: SimProcess;
let embedSim: SimProcess;
let client: OpenAI;

beforeAll(async () => {
  [sim, embedSim] = await Promise.all([
    startSim(
      [
        'Qwen/Qwen3-8B',
        '--served-model-name',
        'qwen3-8b',
        'qwen',
        '--max-model-len',
        '2048',
        '--enable-lora',
        '--lora-modules',
        'sql-lora=/adapters/sql',
        '--api-key',
        'sk-sim-test',
      ],
      {
        AERIE_SIM_TOKENS_PER_S: '2000',
        AERIE_SIM_TTFT_MS: '5',
      },
    ),
    startSim(['BAAI/bge-m3']),
  ]);
  client = new OpenAI({ baseURL: `${sim.baseUrl}/v1`, apiKey: 'sk-sim-test', maxRetries: 0 });
});

afterAll(async () => {
  await Promise.all([sim?.stop(), embedSim?.stop()]);
});

const chat = {
  model: 'qwen3-8b',
  messages: [{ role: 'user' as const, content: 'Tell me about KV caches.' }],
};

describe('vllm-sim OpenAI API through the official client', () => {
  it('lists served names then LoRA adapters with vLLM card fields', async () => {
    const page = await client.models.list();
    const cards = page.data as unknown as Record<string, unknown>[];
    expect(cards.map((c) => c.id)).toEqual(['qwen3-8b', 'qwen', 'sql-lora']);
    expect(cards[0]).toMatchObject({
      object: 'model',
      owned_by: 'vllm',
      root: 'Qwen/Qwen3-8B',
      parent: null,
      max_model_len: 2048,
    });
    expect(cards[2]).toMatchObject({
      root: '/adapters/sql',
      parent: 'qwen3-8b',
      max_model_len: null,
    });
  });

  it('answers a chat deterministically with usage, and streams the same text with an include_usage chunk', async () => {
    const a = await client.chat.completions.create(chat);
    const b = await client.chat.completions.create(chat);
    expect(a.id).toMatch(/^chatcmpl-[0-9a-f]{32}$/);
    expect(a.choices[0]?.message.content).toBe(b.choices[0]?.message.content);
    expect(a.choices[0]?.finish_reason).toBe('stop');
    const text = a.choices[0]?.message.content ?? '';
    expect(text.length).toBeGreaterThan(0);

    const stream = await client.chat.completions.create({
      ...chat,
      stream: true,
      stream_options: { include_usage: true },
    });
    let streamed = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      streamed += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(streamed).toBe(text);
    expect(finish).toBe('stop');
    expect(usage).toEqual({
      prompt_tokens: a.usage?.prompt_tokens,
      completion_tokens: a.usage?.completion_tokens,
      total_tokens: a.usage?.total_tokens,
    });
  });

  it('counts prompt tokens the same in usage and in /tokenize', async () => {
    const a = await client.chat.completions.create({ ...chat, max_tokens: 3 });
    const r = await fetch(`${sim.baseUrl}/tokenize`, {
      method: 'POST',
      body: JSON.stringify({ model: 'qwen3-8b', messages: chat.messages }),
    });
    const tok = (await r.json()) as { count: number; max_model_len: number; tokens: number[] };
    expect(tok.count).toBe(a.usage?.prompt_tokens);
    expect(tok.tokens).toHaveLength(tok.count);
    expect(tok.max_model_len).toBe(2048);
    expect(a.usage?.completion_tokens).toBe(3);
    expect(a.choices[0]?.finish_reason).toBe('length');
  });

  it('serves text completions with max_tokens, n and a stop string', async () => {
    const c = await client.completions.create({
      model: 'qwen',
      prompt: 'The capital of France is',
      max_tokens: 7,
      n: 2,
    });
    expect(c.object).toBe('text_completion');
    expect(c.choices.map((x) => x.index)).toEqual([0, 1]);
    expect(c.choices.every((x) => x.finish_reason === 'length')).toBe(true);
    expect(c.usage?.completion_tokens).toBe(14);
    const words = (c.choices[0]?.text ?? '').trim().split(' ');
    const stopAt = ` ${words[2]}`;
    const s = await client.completions.create({
      model: 'qwen',
      prompt: 'The capital of France is',
      max_tokens: 7,
      stop: [stopAt],
    });
    expect(s.choices[0]?.finish_reason).toBe('stop');
    expect((s.choices[0] as unknown as { stop_reason: string }).stop_reason).toBe(stopAt);
    expect(s.choices[0]?.text).toBe(
      (c.choices[0]?.text ?? '').slice(0, (c.choices[0]?.text ?? '').indexOf(stopAt)),
    );
  });

  it('streams text completions ending with [DONE]', async () => {
    const stream = await client.completions.create({
      model: 'sql-lora',
      prompt: 'SELECT',
      max_tokens: 5,
      stream: true,
    });
    let n = 0;
    let model = '';
    for await (const chunk of stream) {
      n++;
      model = chunk.model;
    }
    expect(n).toBe(5);
    expect(model).toBe('sql-lora');
  });

  it('raises NotFoundError 404 with vLLM’s message for an unknown model', async () => {
    const err = await client.chat.completions
      .create({ ...chat, model: 'nope' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).status).toBe(404);
    expect((err as APIError).message).toContain('The model `nope` does not exist.');
  });

  it('raises 400 for bad sampling parameters and for a context that is too long', async () => {
    const bad = await client.chat.completions
      .create({ ...chat, max_tokens: 0 })
      .catch((e: unknown) => e);
    expect((bad as APIError).status).toBe(400);
    expect((bad as APIError).message).toContain('max_tokens must be at least 1, got 0.');
    const long = await client.chat.completions
      .create({ ...chat, max_tokens: 5000 })
      .catch((e: unknown) => e);
    expect((long as APIError).status).toBe(400);
    expect((long as APIError).message).toContain(
      "This model's maximum context length is 2048 tokens and your request has",
    );
  });

  it('returns deterministic, normalised embeddings from an embedding model and 400 from a generative one', async () => {
    const ec = new OpenAI({ baseURL: `${embedSim.baseUrl}/v1`, apiKey: 'x', maxRetries: 0 });
    const r = await ec.embeddings.create({
      model: 'BAAI/bge-m3',
      input: ['hello world', 'hello world', 'other text'],
      encoding_format: 'float',
    });
    const [a, b, c] = r.data.map((d) => d.embedding);
    expect(a).toHaveLength(1024);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(Math.hypot(...(a ?? []))).toBeCloseTo(1, 5);
    expect(r.usage.prompt_tokens).toBeGreaterThan(0);
    const b64 = await ec.embeddings.create({ model: 'BAAI/bge-m3', input: 'hello world' });
    expect(b64.data[0]?.embedding[0]).toBeCloseTo(a?.[0] ?? 0, 5);
    const err = await client.embeddings
      .create({ model: 'qwen3-8b', input: 'x' })
      .catch((e: unknown) => e);
    expect((err as APIError).status).toBe(400);
    expect((err as APIError).message).toContain('The model does not support Embeddings API');
  });
});

describe('vllm-sim raw HTTP', () => {
  it('answers /health and /ping with 200 and an empty body, /version with the vLLM version', async () => {
    for (const [method, path] of [
      ['GET', '/health'],
      ['GET', '/ping'],
      ['POST', '/ping'],
    ] as const) {
      const r = await fetch(`${sim.baseUrl}${path}`, { method });
      expect(r.status).toBe(200);
      expect(await r.text()).toBe('');
    }
    expect(await (await fetch(`${sim.baseUrl}/version`)).json()).toEqual({
      version: LATEST_LINE.version,
    });
  });

  it('guards /v1 with the API key using vLLM’s non-OpenAI body, but not /health or /tokenize', async () => {
    const r = await fetch(`${sim.baseUrl}/v1/models`);
    expect(r.status).toBe(401);
    expect(await r.json()).toEqual({ error: 'Unauthorized' });
    expect(
      (await fetch(`${sim.baseUrl}/tokenize`, { method: 'POST', body: '{"prompt":"hi"}' })).status,
    ).toBe(200);
  });

  it('gives FastAPI’s 404 and 405 bodies for unknown routes and wrong methods', async () => {
    const nf = await fetch(`${sim.baseUrl}/nope`);
    expect(nf.status).toBe(404);
    expect(await nf.json()).toEqual({ detail: 'Not Found' });
    const na = await fetch(`${sim.baseUrl}/health`, { method: 'DELETE' });
    expect(na.status).toBe(405);
    expect(await na.json()).toEqual({ detail: 'Method Not Allowed' });
    expect((await fetch(`${sim.baseUrl}/sleep`, { method: 'POST' })).status).toBe(404);
  });

  it('answers bad JSON with 400 in vLLM’s nested error shape', async () => {
    const r = await fetch(`${sim.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-sim-test' },
      body: '{not json',
    });
    expect(r.status).toBe(400);
    const body = (await r.json()) as { error: { code: number; message: string; param: null } };
    expect(body.error.code).toBe(400);
    expect(body.error.param).toBeNull();
    expect(body.error.message).toContain('JSON decode error');
  });

  it('writes SSE exactly: data lines, blank-line separators, text/event-stream, final [DONE]', async () => {
    const r = await fetch(`${sim.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-sim-test', 'content-type': 'application/json' },
      body: JSON.stringify({ ...chat, max_tokens: 4, stream: true }),
    });
    expect(r.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const raw = await r.text();
    expect(raw.endsWith('data: [DONE]\n\n')).toBe(true);
    const events = raw.split('\n\n').filter(Boolean);
    expect(events.every((e) => e.startsWith('data: ') && !e.includes('\n'))).toBe(true);
    expect(events).toHaveLength(1 + 4 + 1);
    expect(raw).not.toContain('"usage"');
  });

  it('round-trips /tokenize and /detokenize and rejects ids outside the vocabulary', async () => {
    const post = (path: string, body: unknown) =>
      fetch(`${sim.baseUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
    const tok = (await (
      await post('/tokenize', { prompt: 'Hello, simulated world!', return_token_strs: true })
    ).json()) as { tokens: number[]; token_strs: string[] };
    expect(tok.token_strs.join('')).toBe('Hello, simulated world!');
    expect(await (await post('/detokenize', { tokens: tok.tokens })).json()).toEqual({
      prompt: 'Hello, simulated world!',
    });
    expect((await post('/detokenize', { tokens: [10_000_000] })).status).toBe(400);
  });

  it('prints uvicorn access lines for requests', async () => {
    await fetch(`${sim.baseUrl}/version`);
    await sim.waitForLog('"GET /version HTTP/1.1" 200 OK');
    // Without the colour codes of the process prefix.
    const plain = sim.logs().split('\x1b[1;36m').join('').split('\x1b[0;0m').join('');
    expect(plain).toMatch(
      /\(APIServer pid=\d+\) INFO: {5}127\.0\.0\.1:\d+ - "GET \/version HTTP\/1\.1" 200 OK/,
    );
  });
});
