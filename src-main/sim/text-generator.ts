import { WORDS } from './tokenizer.js';

/** One choice's output, decided up front: the text of each generated token and how it ends. */
export interface GenPlan {
  /** Text per generated token; with a stop string the last entries may be cut short or empty. */
  texts: string[];
  finishReason: 'stop' | 'length';
  /** The stop string that ended generation, or null. */
  stopReason: string | null;
}

export interface GenRequest {
  /** Text the output is seeded by (the prompt, rendered). */
  seedText: string;
  maxTokens: number;
  stop: readonly string[];
  ignoreEos: boolean;
  seed: number | null;
  /** Choice index, so `n > 1` gives different answers. */
  index: number;
}

/** mulberry32: small, fast, deterministic. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seedOf(req: GenRequest): number {
  let h = 0x811c9dc5;
  const s = req.seedText;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h ^ Math.imul(req.index + 1, 0x9e3779b1) ^ (req.seed ?? 0)) >>> 0;
}

/**
 * Plans a deterministic answer: sentences of words from a fixed list, seeded by the prompt, the
 * request seed and the choice index. It stops naturally after 12–63 tokens ("stop"), or at
 * `maxTokens` ("length"), or at the first stop string (text cut before it, `stopReason` set).
 */
export function planGeneration(req: GenRequest): GenPlan {
  const next = rng(seedOf(req));
  const natural = req.ignoreEos ? Number.POSITIVE_INFINITY : 12 + Math.floor(next() * 52);
  const count = Math.min(natural, req.maxTokens);
  const texts: string[] = [];
  let sentence = 0;
  let sentenceLen = 6 + Math.floor(next() * 7);
  let text = '';
  for (let i = 0; i < count; i++) {
    let piece: string;
    const last = i === count - 1 && count === natural;
    if (last || sentence >= sentenceLen) {
      piece = '.';
      sentence = 0;
      sentenceLen = 6 + Math.floor(next() * 7);
    } else if (sentence > 2 && next() < 0.08) {
      piece = ',';
    } else {
      const w = WORDS[Math.floor(next() * WORDS.length)] ?? 'the';
      piece = sentence === 0 ? ` ${w.charAt(0).toUpperCase()}${w.slice(1)}` : ` ${w}`;
      if (i === 0) piece = piece.slice(1);
      sentence++;
    }
    if (req.stop.length > 0) {
      const before = text.length;
      text += piece;
      const hit = firstStop(text, req.stop, Math.max(0, before - maxLen(req.stop)));
      if (hit !== null) {
        texts.push(text.slice(before, Math.max(before, hit.at)));
        return { texts, finishReason: 'stop', stopReason: hit.stop };
      }
    }
    texts.push(piece);
  }
  return { texts, finishReason: count === natural ? 'stop' : 'length', stopReason: null };
}

const maxLen = (stops: readonly string[]) => stops.reduce((m, s) => Math.max(m, s.length), 0);

function firstStop(text: string, stops: readonly string[], from: number): { at: number; stop: string } | null {
  let best: { at: number; stop: string } | null = null;
  for (const stop of stops) {
    if (stop === '') continue;
    const at = text.indexOf(stop, from);
    if (at !== -1 && (best === null || at < best.at)) best = { at, stop };
  }
  return best;
}
