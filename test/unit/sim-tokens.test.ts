import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type GenPlan, planGeneration } from '../../src-main/sim/text-generator.js';
import {
  countChatTokens,
  countTokens,
  encode,
  encodeChat,
  tokenText,
  VOCAB_SIZE,
} from '../../src-main/sim/tokenizer.js';

/** Every token text, asked for in order as the engine does. */
const tokens = (p: GenPlan) => Array.from({ length: p.count }, (_, k) => p.token(k));
const plan = (over: Partial<Parameters<typeof planGeneration>[0]> = {}) =>
  planGeneration({
    seedText: 'Tell me about caches',
    maxTokens: 200,
    stop: [],
    ignoreEos: false,
    seed: null,
    index: 0,
    ...over,
  });

describe('simulated tokenizer', () => {
  it('counts exactly the tokens it encodes, and decodes back to the text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const ids = encode(text);
        expect(countTokens(text)).toBe(ids.length);
        expect(ids.map((id) => tokenText(id)).join('')).toBe(text);
      }),
    );
  });

  it('counts chat tokens the same way /tokenize encodes them', () => {
    const messages = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hello, world!' },
    ];
    expect(countChatTokens(messages, true)).toBe(encodeChat(messages, true).length);
  });

  it('keeps ids inside the vocabulary and rejects ids outside it', () => {
    for (const id of encode('some words 123 !?')) expect(id).toBeLessThan(VOCAB_SIZE);
    expect(tokenText(VOCAB_SIZE)).toBeNull();
    expect(tokenText(-1)).toBeNull();
  });
});

describe('deterministic generation', () => {
  it('gives the same answer for the same prompt and a different one for another prompt or choice', () => {
    expect(tokens(plan())).toEqual(tokens(plan()));
    expect(plan().text()).toBe(tokens(plan()).join(''));
    expect(plan({ seedText: 'Other prompt' }).text()).not.toEqual(plan().text());
    expect(plan({ index: 1 }).text()).not.toEqual(plan().text());
  });

  it('produces text whose token count equals the number of generated tokens', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 300 }), (seedText, maxTokens) => {
        const p = plan({ seedText, maxTokens });
        expect(countTokens(p.text())).toBe(p.count);
        expect(tokens(p).join('')).toBe(p.text());
      }),
    );
  });

  it('stops naturally with "stop", or at max_tokens with "length"', () => {
    const natural = plan();
    expect(natural.finishReason).toBe('stop');
    expect(natural.count).toBeGreaterThanOrEqual(12);
    const cut = plan({ maxTokens: 5 });
    expect(cut).toMatchObject({ finishReason: 'length', stopReason: null });
    expect(cut.count).toBe(5);
    expect(plan({ maxTokens: 500, ignoreEos: true }).count).toBe(500);
  });

  it('cuts the text before a stop string that spans tokens', () => {
    const full = plan({ ignoreEos: true, maxTokens: 100 }).text();
    const spanning = full.slice(full.indexOf(' ', 10), full.indexOf(' ', 10) + 9);
    const p = plan({ ignoreEos: true, maxTokens: 100, stop: [spanning] });
    expect(p.text()).toBe(full.slice(0, full.indexOf(spanning)));
    expect(tokens(p).join('')).toBe(p.text());
    expect(p.count).toBeGreaterThan(countTokens(p.text()));
  });

  it('cuts the text before a stop string and reports it as stop_reason', () => {
    const full = plan({ ignoreEos: true, maxTokens: 100 }).text();
    const word = full.split(' ')[3] ?? '';
    const p = plan({ ignoreEos: true, maxTokens: 100, stop: [` ${word}`] });
    expect(p.finishReason).toBe('stop');
    expect(p.stopReason).toBe(` ${word}`);
    expect(p.text()).toBe(full.slice(0, full.indexOf(` ${word}`)));
    expect(tokens(p).join('')).toBe(p.text());
  });
});
