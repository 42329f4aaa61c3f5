import { WORDS } from './tokenizer.js';

/**
 * One choice's output: how many tokens, how it ends, and each token's text. Token texts are made
 * on demand (in order) rather than stored, so a thousand long streams cost no memory per token.
 */
export interface GenPlan {
  readonly count: number;
  /** `abort`: the engine stopped it (a sleep with requests in flight). */
  readonly finishReason: 'stop' | 'length' | 'abort';
  /** The stop string that ended generation, or null. */
  readonly stopReason: string | null;
  /** Text of token `k` (0-based); cheapest when called in order. */
  token(k: number): string;
  /** The whole answer. */
  text(): string;
}

/** A plan over fixed token texts (for tests and for answers computed up front). */
export function fixedPlan(
  texts: readonly string[],
  finishReason: GenPlan['finishReason'],
  stopReason: string | null,
): GenPlan {
  return {
    count: texts.length,
    finishReason,
    stopReason,
    token: (k) => texts[k] ?? '',
    text: () => texts.join(''),
  };
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

/** Produces the token texts of one answer in order: sentences of words from WORDS. */
class Words {
  private readonly next: () => number;
  private sentence = 0;
  private sentenceLen: number;
  private i = 0;

  constructor(
    seed: number,
    private readonly natural: number,
    private readonly count: number,
  ) {
    this.next = rng(seed);
    // The first draw decides the natural length; it is made by planGeneration with its own rng.
    this.sentenceLen = 6 + Math.floor(this.next() * 7);
  }

  take(): string {
    const i = this.i++;
    const last = i === this.count - 1 && this.count === this.natural;
    if (last || this.sentence >= this.sentenceLen) {
      this.sentence = 0;
      this.sentenceLen = 6 + Math.floor(this.next() * 7);
      return '.';
    }
    if (this.sentence > 2 && this.next() < 0.08) return ',';
    const w = WORDS[Math.floor(this.next() * WORDS.length)] ?? 'the';
    const piece = this.sentence === 0 ? ` ${w.charAt(0).toUpperCase()}${w.slice(1)}` : ` ${w}`;
    this.sentence++;
    return i === 0 ? piece.slice(1) : piece;
  }
}

class LazyPlan implements GenPlan {
  readonly finishReason: 'stop' | 'length';
  readonly stopReason = null;
  private words: Words;
  private produced = 0;

  constructor(
    private readonly seed: number,
    private readonly natural: number,
    readonly count: number,
  ) {
    this.finishReason = count === natural ? 'stop' : 'length';
    this.words = new Words(seed, natural, count);
  }

  token(k: number): string {
    if (k < this.produced) {
      this.words = new Words(this.seed, this.natural, this.count);
      this.produced = 0;
    }
    let t = '';
    while (this.produced <= k) {
      t = this.words.take();
      this.produced++;
    }
    return t;
  }

  text(): string {
    const w = new Words(this.seed, this.natural, this.count);
    let out = '';
    for (let i = 0; i < this.count; i++) out += w.take();
    return out;
  }
}

/**
 * Plans a deterministic answer: sentences of words from a fixed list, seeded by the prompt, the
 * request seed and the choice index. It stops naturally after 12–63 tokens ("stop"), or at
 * `maxTokens` ("length"), or at the first stop string (text cut before it, `stopReason` set).
 */
export function planGeneration(req: GenRequest): GenPlan {
  const seed = seedOf(req);
  const natural = req.ignoreEos
    ? Number.POSITIVE_INFINITY
    : 12 + Math.floor(rng(seed ^ 0x5bd1e995)() * 52);
  const count = Math.min(natural, req.maxTokens);
  if (req.stop.length === 0) return new LazyPlan(seed, natural, count);
  // With stop strings the end is only known by generating, so this answer is made up front.
  const words = new Words(seed, natural, count);
  const texts: string[] = [];
  let text = '';
  for (let i = 0; i < count; i++) {
    const piece = words.take();
    const before = text.length;
    text += piece;
    const hit = firstStop(text, req.stop, Math.max(0, before - maxLen(req.stop)));
    if (hit !== null) {
      texts.push(piece);
      return fixedPlan(cutAt(texts, hit.at), 'stop', hit.stop);
    }
    texts.push(piece);
  }
  return fixedPlan(texts, count === natural ? 'stop' : 'length', null);
}

/**
 * Cuts token texts so that together they end at `at`, keeping one entry per generated token (the
 * stop string may span tokens; vLLM holds such text back, so it is never sent).
 */
function cutAt(texts: readonly string[], at: number): string[] {
  let acc = 0;
  return texts.map((t) => {
    const start = acc;
    acc += t.length;
    if (start >= at) return '';
    return start + t.length > at ? t.slice(0, at - start) : t;
  });
}

const maxLen = (stops: readonly string[]) => stops.reduce((m, s) => Math.max(m, s.length), 0);

function firstStop(
  text: string,
  stops: readonly string[],
  from: number,
): { at: number; stop: string } | null {
  let best: { at: number; stop: string } | null = null;
  for (const stop of stops) {
    if (stop === '') continue;
    const at = text.indexOf(stop, from);
    if (at !== -1 && (best === null || at < best.at)) best = { at, stop };
  }
  return best;
}
