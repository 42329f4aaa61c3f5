/** Vocabulary size of the simulated tokenizer (Qwen's, so ids look familiar). */
export const VOCAB_SIZE = 151_936;
export const IM_START = 151_644;
export const IM_END = 151_645;
const SPECIAL: ReadonlyMap<number, string> = new Map([
  [151_643, '<|endoftext|>'],
  [IM_START, '<|im_start|>'],
  [IM_END, '<|im_end|>'],
]);

/**
 * The words the generator draws from. All are at most six letters, so each is exactly one token
 * when the generated text is tokenized again (usage, /tokenize and metrics then agree).
 */
export const WORDS: readonly string[] = (
  'the of and to in is that it for on with as was at by an be this are or from have not but what ' +
  'all were when we there can more if no out so said use each which she do how their will up other ' +
  'about many then them these some her would make like him into time has look two write go see ' +
  'number way could people my than first water been call who oil its now find long down day did get ' +
  'come made may part model token engine server cache memory layer vector matrix tensor kernel batch ' +
  'prompt stream signal cloud river stone light garden window orange silver quiet gentle simple'
).split(' ');

const FIRST_ID = 1000;
// Seven characters, so a six-letter word with its leading space is still one token.
const MAX_PIECE = 7;
// Words, numbers (up to three digits), single punctuation marks, and whitespace runs, each with
// the leading space a BPE tokenizer would attach.
const PIECES = /\s?[\p{L}\p{M}]+|\s?\p{N}{1,3}|\s?[^\s\p{L}\p{M}\p{N}]|\s+/gu;

const forward = new Map<string, number>();
const reverse = new Map<number, string>();
// Well below the id space, so probing for a free id stays short and always ends.
const MAX_PIECES = 100_000;
const ID_SPACE = VOCAB_SIZE - FIRST_ID - 1000;

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function idOf(piece: string): number {
  const known = forward.get(piece);
  if (known !== undefined) return known;
  // The tables let /detokenize return any text this process has seen; bounded so a long-running
  // simulator fed arbitrary text does not grow without limit (words of WORDS are re-added first).
  if (forward.size >= MAX_PIECES) {
    forward.clear();
    reverse.clear();
    seedWords();
  }
  // The id is the piece's hash, probed forward on a collision, so ids are stable across runs for
  // all but colliding pieces and every id decodes to exactly one piece.
  let id = FIRST_ID + (fnv1a(piece) % ID_SPACE);
  while (reverse.has(id)) id = FIRST_ID + ((id - FIRST_ID + 1) % ID_SPACE);
  forward.set(piece, id);
  reverse.set(id, piece);
  return id;
}

function seedWords(): void {
  for (const w of WORDS) {
    idOf(w);
    idOf(` ${w}`);
  }
}
seedWords();

/** Splits text into token strings, the way the simulator's tokenizer does. */
export function pieces(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(PIECES)) {
    const p = m[0];
    if (p.length <= MAX_PIECE) out.push(p);
    else for (let i = 0; i < p.length; i += MAX_PIECE) out.push(p.slice(i, i + MAX_PIECE));
  }
  return out;
}

/** Token ids of a text. */
export function encode(text: string): number[] {
  return pieces(text).map(idOf);
}

/** Number of tokens in a text (same as `encode(text).length`, without building the ids). */
export function countTokens(text: string): number {
  let n = 0;
  for (const m of text.matchAll(PIECES)) n += Math.ceil(m[0].length / MAX_PIECE);
  return n;
}

/** The text of one token id, or null if the id is outside the vocabulary. */
export function tokenText(id: number): string | null {
  if (!Number.isInteger(id) || id < 0 || id >= VOCAB_SIZE) return null;
  const special = SPECIAL.get(id);
  if (special !== undefined) return special;
  const known = reverse.get(id);
  if (known !== undefined) return known;
  return ` ${WORDS[id % WORDS.length] ?? 'the'}`;
}

export interface ChatMessage {
  role: string;
  content: string;
}

/** Token ids of a chat rendered with a ChatML template (`<|im_start|>role\ncontent<|im_end|>\n`). */
export function encodeChat(
  messages: readonly ChatMessage[],
  addGenerationPrompt: boolean,
): number[] {
  const ids: number[] = [];
  for (const m of messages) {
    ids.push(IM_START, ...encode(`${m.role}\n${m.content}`), IM_END, ...encode('\n'));
  }
  if (addGenerationPrompt) ids.push(IM_START, ...encode('assistant\n'));
  return ids;
}

/** Token count of a rendered chat, without building the ids. */
export function countChatTokens(
  messages: readonly ChatMessage[],
  addGenerationPrompt: boolean,
): number {
  let n = addGenerationPrompt ? 1 + countTokens('assistant\n') : 0;
  for (const m of messages) n += 3 + countTokens(`${m.role}\n${m.content}`);
  return n;
}
