import { describe, expect, it } from 'vitest';
import { chatBody, SseWriter, usageOf } from '../../src-main/sim/openai-responses.js';
import { fixedPlan, type GenPlan } from '../../src-main/sim/text-generator.js';

const meta = { id: 'chatcmpl-abc', created: 1761904300, model: 'qwen3-8b' };
const texts = ['Hi', ' there', '.'];
const plans: GenPlan[] = [fixedPlan(texts, 'stop', null)];
const events = (raw: string) =>
  raw
    .split('\n\n')
    .filter((s) => s !== '')
    .map((s) => s.replace(/^data: /, ''));

describe('SSE chunks like vLLM', () => {
  it('sends a role chunk, content chunks without unset keys, finish_reason last, usage with empty choices, then [DONE]', () => {
    const w = new SseWriter('chat', meta, 1, 12, plans, false, null);
    const raw =
      w.tokens(texts.map((text, i) => ({ choice: 0, text, last: i === 2 }))) +
      w.end(usageOf(12, plans));
    const ev = events(raw);
    expect(ev.at(-1)).toBe('[DONE]');
    const chunks = ev.slice(0, -1).map((e) => JSON.parse(e) as Record<string, unknown>);
    expect(chunks[0]).toEqual({
      id: 'chatcmpl-abc',
      object: 'chat.completion.chunk',
      created: 1761904300,
      model: 'qwen3-8b',
      choices: [
        {
          index: 0,
          delta: { role: 'assistant', content: '' },
          logprobs: null,
          finish_reason: null,
        },
      ],
    });
    expect(chunks[1]).toEqual({
      ...chunks[0],
      choices: [{ index: 0, delta: { content: 'Hi' }, logprobs: null, finish_reason: null }],
    });
    expect(chunks[3]).toEqual({
      ...chunks[0],
      choices: [
        {
          index: 0,
          delta: { content: '.' },
          logprobs: null,
          finish_reason: 'stop',
          stop_reason: null,
        },
      ],
    });
    expect(chunks[4]).toEqual({
      ...chunks[0],
      choices: [],
      usage: { prompt_tokens: 12, total_tokens: 15, completion_tokens: 3 },
    });
  });

  it('writes completion chunks with every key including usage null, and no usage chunk unless asked', () => {
    const w = new SseWriter('completion', { ...meta, id: 'cmpl-1' }, 1, 4, plans, false, null);
    const raw = w.tokens([{ choice: 0, text: 'Hi', last: false }]) + w.end(null);
    const ev = events(raw);
    expect(ev).toHaveLength(2);
    expect(JSON.parse(ev[0]!)).toEqual({
      id: 'cmpl-1',
      object: 'text_completion',
      created: 1761904300,
      model: 'qwen3-8b',
      choices: [{ index: 0, text: 'Hi', logprobs: null, finish_reason: null, stop_reason: null }],
      usage: null,
    });
  });

  it('adds running usage to every chunk with continuous_usage_stats', () => {
    const w = new SseWriter('chat', meta, 1, 12, plans, true, null);
    const ev = events(
      w.tokens([
        { choice: 0, text: 'Hi', last: false },
        { choice: 0, text: ' there', last: false },
      ]),
    );
    expect((JSON.parse(ev[2]!) as { usage: unknown }).usage).toEqual({
      prompt_tokens: 12,
      total_tokens: 14,
      completion_tokens: 2,
    });
  });

  it('ends a failed stream with an error event and [DONE]', () => {
    const w = new SseWriter('chat', meta, 1, 1, plans, false, null);
    expect(w.error('boom', 'InternalServerError', 500)).toBe(
      'data: {"error":{"message":"boom","type":"InternalServerError","param":null,"code":500}}\n\ndata: [DONE]\n\n',
    );
  });

  it('builds the non-streaming chat body with usage and nullable vLLM keys', () => {
    const body = JSON.parse(chatBody(meta, plans, usageOf(12, plans))) as Record<string, unknown>;
    expect(body).toMatchObject({
      object: 'chat.completion',
      usage: {
        prompt_tokens: 12,
        completion_tokens: 3,
        total_tokens: 15,
        prompt_tokens_details: null,
      },
      prompt_logprobs: null,
      kv_transfer_params: null,
    });
    expect((body.choices as unknown[])[0]).toMatchObject({
      index: 0,
      message: { role: 'assistant', content: 'Hi there.', tool_calls: [], reasoning_content: null },
      finish_reason: 'stop',
      stop_reason: null,
    });
  });
});
