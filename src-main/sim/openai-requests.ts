import { VllmError } from './http-io.js';
import { type ChatMessage, countChatTokens, countTokens } from './tokenizer.js';

/** One prompt of a request: its text (for seeding) and its token count. */
export interface PromptIn {
  text: string;
  tokens: number;
}

/** A chat or text completion request, validated. */
export interface GenerationRequest {
  kind: 'chat' | 'completion';
  model: string | null;
  prompts: PromptIn[];
  /** null: as many as fit in the context (vLLM's chat default). */
  maxTokens: number | null;
  n: number;
  stream: boolean;
  includeUsage: boolean;
  continuousUsage: boolean;
  stop: string[];
  seed: number | null;
  ignoreEos: boolean;
  echo: boolean;
}

type Obj = Record<string, unknown>;

/** A pydantic-style validation failure, reported by vLLM as 400 with the reason phrase as type. */
export function invalid(field: string, msg: string, type = 'value_error'): VllmError {
  return new VllmError(
    400,
    'Bad Request',
    `[{'type': '${type}', 'loc': ('body', '${field}'), 'msg': '${msg}'}]`,
  );
}

/** The body as an object, or a 400. */
export function asObject(body: unknown): Obj {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new VllmError(
      400,
      'Bad Request',
      "[{'type': 'model_attributes_type', 'loc': ('body',), 'msg': 'Input should be a valid dictionary or object to extract fields from'}]",
    );
  }
  return body as Obj;
}

function optInt(o: Obj, key: string): number | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw invalid(key, 'Input should be a valid integer', 'int_type');
  return v;
}

function optBool(o: Obj, key: string, fallback: boolean): boolean {
  const v = o[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') throw invalid(key, 'Input should be a valid boolean', 'bool_type');
  return v;
}

/** The `model` field: a string, or null when left out (vLLM then uses the first served name). */
export function modelField(o: Obj): string | null {
  const v = o.model;
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string')
    throw invalid('model', 'Input should be a valid string', 'string_type');
  return v;
}

function stopField(o: Obj): string[] {
  const v = o.stop;
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v;
  throw invalid('stop', 'Input should be a valid string or list of strings', 'string_type');
}

function contentText(content: unknown, i: number): string {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part: unknown) => {
        const p = (part ?? {}) as Obj;
        if (p.type === 'text' && typeof p.text === 'string') return p.text;
        // An image or audio part stands for a fixed-size block of placeholder tokens.
        return ' <media>'.repeat(16);
      })
      .join('');
  }
  throw invalid(
    `messages.${i}.content`,
    'Input should be a valid string or list of content parts',
    'string_type',
  );
}

/** Validated chat messages from a body (`messages`), shared by chat completions and /tokenize. */
export function chatMessages(o: Obj): ChatMessage[] {
  const v = o.messages;
  if (v === undefined) throw invalid('messages', 'Field required', 'missing');
  if (!Array.isArray(v)) throw invalid('messages', 'Input should be a valid list', 'list_type');
  return v.map((m: unknown, i) => {
    const msg = (m ?? {}) as Obj;
    if (typeof msg.role !== 'string')
      throw invalid(`messages.${i}.role`, 'Field required', 'missing');
    return { role: msg.role, content: contentText(msg.content, i) };
  });
}

/** Prompts of a completion request: a string, strings, token ids, or lists of token ids. */
export function completionPrompts(v: unknown, field = 'prompt'): PromptIn[] {
  if (v === undefined || v === null) throw invalid(field, 'Field required', 'missing');
  const one = (p: unknown): PromptIn => {
    if (typeof p === 'string') return { text: p, tokens: countTokens(p) };
    if (Array.isArray(p) && p.every((t) => Number.isInteger(t))) {
      if (p.length === 0) throw new VllmError(400, 'BadRequestError', 'Prompt cannot be empty');
      return { text: p.join(','), tokens: p.length };
    }
    throw invalid(field, 'Input should be a valid string or list of token ids', 'string_type');
  };
  if (typeof v === 'string') return [one(v)];
  if (Array.isArray(v)) {
    if (v.length === 0) throw new VllmError(400, 'BadRequestError', 'Prompt cannot be empty');
    if (v.every((t) => typeof t === 'number')) return [one(v)];
    return v.map(one);
  }
  throw invalid(field, 'Input should be a valid string or list', 'string_type');
}

/** Validates a chat or completion request body the way vLLM's protocol and SamplingParams do. */
export function parseGeneration(kind: 'chat' | 'completion', body: unknown): GenerationRequest {
  const o = asObject(body);
  let prompts: PromptIn[];
  if (kind === 'chat') {
    const messages = chatMessages(o);
    const addPrompt = optBool(o, 'add_generation_prompt', true);
    prompts = [
      {
        text: messages.map((m) => m.content).join('\n'),
        tokens: countChatTokens(messages, addPrompt),
      },
    ];
  } else prompts = completionPrompts(o.prompt);
  const maxTokens =
    (kind === 'chat' ? optInt(o, 'max_completion_tokens') : null) ??
    optInt(o, 'max_tokens') ??
    (kind === 'completion' ? 16 : null);
  if (maxTokens !== null && maxTokens < 1)
    throw new VllmError(400, 'BadRequestError', `max_tokens must be at least 1, got ${maxTokens}.`);
  const n = optInt(o, 'n') ?? 1;
  if (n < 1) throw new VllmError(400, 'BadRequestError', `n must be at least 1, got ${n}.`);
  const temperature = o.temperature;
  if (temperature !== undefined && temperature !== null) {
    if (typeof temperature !== 'number')
      throw invalid('temperature', 'Input should be a valid number', 'float_type');
    if (temperature < 0)
      throw new VllmError(
        400,
        'BadRequestError',
        `temperature must be non-negative, got ${temperature}.`,
      );
  }
  const stream = optBool(o, 'stream', false);
  const so = o.stream_options;
  if (so !== undefined && so !== null && (typeof so !== 'object' || Array.isArray(so))) {
    throw invalid('stream_options', 'Input should be a valid dictionary', 'dict_type');
  }
  if (so && !stream)
    throw new VllmError(
      400,
      'BadRequestError',
      'Stream options can only be defined when `stream=True`.',
    );
  const soObj = (so ?? null) as Obj | null;
  // StreamOptions.include_usage defaults to true inside the object, so {} turns usage on.
  const includeUsage = soObj !== null && soObj.include_usage !== false;
  const continuousUsage = soObj !== null && soObj.continuous_usage_stats === true;
  return {
    kind,
    model: modelField(o),
    prompts,
    maxTokens,
    n,
    stream,
    includeUsage,
    continuousUsage,
    stop: stopField(o),
    seed: optInt(o, 'seed'),
    ignoreEos: optBool(o, 'ignore_eos', false),
    echo: kind === 'completion' && optBool(o, 'echo', false),
  };
}
