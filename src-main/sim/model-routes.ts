import { randomUUID } from 'node:crypto';
import { embed, EMBEDDING_DIMS, inputIds, toBase64 } from './embeddings.js';
import { type Exchange, VllmError } from './http-io.js';
import { asObject, chatMessages, invalid, modelField } from './openai-requests.js';
import { resolveModel, type SimContext } from './sim-context.js';
import { encode, encodeChat, tokenText } from './tokenizer.js';

function permission(created: number) {
  return [
    {
      id: `modelperm-${randomUUID().replace(/-/g, '')}`,
      object: 'model_permission',
      created,
      allow_create_engine: false,
      allow_sampling: true,
      allow_logprobs: true,
      allow_search_indices: false,
      allow_view: true,
      allow_fine_tuning: false,
      organization: '*',
      group: null,
      is_blocking: false,
    },
  ];
}

/** GET /v1/models: one card per served name, then one per LoRA adapter (interfaces.md §1.4). */
export function handleModels(ctx: SimContext, ex: Exchange): void {
  const created = Math.floor(Date.now() / 1000);
  const base = ctx.args.servedModelNames[0] ?? ctx.args.model;
  const data = [
    ...ctx.args.servedModelNames.map((id) => ({
      id,
      object: 'model',
      created,
      owned_by: 'vllm',
      root: ctx.args.model,
      parent: null,
      max_model_len: ctx.maxModelLen,
      permission: permission(created),
    })),
    ...[...ctx.loras.values()].map((l) => ({
      id: l.name,
      object: 'model',
      created,
      owned_by: 'vllm',
      root: l.path,
      parent: l.baseModelName ?? base,
      max_model_len: null,
      permission: permission(created),
    })),
  ];
  ex.json(200, { object: 'list', data });
}

/** POST /tokenize: the prompt form or the chat form; works while asleep. */
export function handleTokenize(ctx: SimContext, ex: Exchange, body: unknown): void {
  const o = asObject(body);
  resolveModel(ctx, modelField(o));
  let tokens: number[];
  if (o.messages !== undefined)
    tokens = encodeChat(chatMessages(o), o.add_generation_prompt !== false);
  else if (typeof o.prompt === 'string') tokens = encode(o.prompt);
  else throw invalid('prompt', 'Field required', 'missing');
  const strs = o.return_token_strs === true ? tokens.map((t) => tokenText(t) ?? '') : null;
  ex.json(200, { count: tokens.length, max_model_len: ctx.maxModelLen, tokens, token_strs: strs });
}

/** POST /detokenize: token ids back to text. */
export function handleDetokenize(ctx: SimContext, ex: Exchange, body: unknown): void {
  const o = asObject(body);
  resolveModel(ctx, modelField(o));
  const ids = o.tokens;
  if (!Array.isArray(ids)) throw invalid('tokens', 'Field required', 'missing');
  let prompt = '';
  for (const id of ids) {
    const text = typeof id === 'number' ? tokenText(id) : null;
    if (text === null)
      throw new VllmError(400, 'BadRequestError', `Token id ${String(id)} is out of vocabulary`);
    prompt += text;
  }
  ex.json(200, { prompt });
}

type EmbedInput = string | number[];

function embeddingInputs(v: unknown): EmbedInput[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.length > 0) {
    if (v.every((x) => Number.isInteger(x))) return [v as number[]];
    if (
      v.every(
        (x) => typeof x === 'string' || (Array.isArray(x) && x.every((t) => Number.isInteger(t))),
      )
    )
      return v as EmbedInput[];
  }
  if (v === undefined) throw invalid('input', 'Field required', 'missing');
  throw invalid('input', 'Input should be a valid string or list', 'string_type');
}

/** POST /v1/embeddings: deterministic vectors derived from the input tokens (pooling models only). */
export function handleEmbeddings(ctx: SimContext, ex: Exchange, body: unknown): void {
  const o = asObject(body);
  const model = resolveModel(ctx, modelField(o));
  if (!ctx.pooling)
    throw new VllmError(400, 'BadRequestError', 'The model does not support Embeddings API');
  const inputs = embeddingInputs(o.input);
  const format = o.encoding_format ?? 'float';
  if (format !== 'float' && format !== 'base64')
    throw invalid('encoding_format', "Input should be 'float' or 'base64'", 'literal_error');
  let dims = EMBEDDING_DIMS;
  if (o.dimensions !== undefined && o.dimensions !== null) {
    if (
      typeof o.dimensions !== 'number' ||
      !Number.isInteger(o.dimensions) ||
      o.dimensions < 1 ||
      o.dimensions > EMBEDDING_DIMS
    ) {
      throw new VllmError(
        400,
        'BadRequestError',
        `dimensions must be between 1 and ${EMBEDDING_DIMS}, got ${JSON.stringify(o.dimensions)}.`,
      );
    }
    dims = o.dimensions;
  }
  let promptTokens = 0;
  const data = inputs.map((item, index) => {
    const ids = inputIds(item);
    if (ids.length > ctx.maxModelLen) {
      throw new VllmError(
        400,
        'BadRequestError',
        `This model's maximum context length is ${ctx.maxModelLen} tokens. However, you requested ${ids.length} tokens in the input for embedding generation. Please reduce the length of the input.`,
      );
    }
    promptTokens += ids.length;
    const vector = embed(ids, dims);
    return {
      index,
      object: 'embedding',
      embedding: format === 'base64' ? toBase64(vector) : vector,
    };
  });
  ctx.metrics.promptTokens.value += promptTokens;
  ctx.metrics.success.stop.value += inputs.length;
  ex.json(200, {
    id: `embd-${randomUUID().replace(/-/g, '')}`,
    object: 'list',
    created: Math.floor(Date.now() / 1000),
    model: model.name,
    data,
    usage: {
      prompt_tokens: promptTokens,
      total_tokens: promptTokens,
      completion_tokens: 0,
      prompt_tokens_details: null,
    },
  });
}

/** POST /v1/load_lora_adapter (with VLLM_ALLOW_RUNTIME_LORA_UPDATING): plain-text success. */
export function handleLoadLora(ctx: SimContext, ex: Exchange, body: unknown): void {
  const o = asObject(body);
  const name = o.lora_name;
  const path = o.lora_path;
  if (typeof name !== 'string' || typeof path !== 'string' || name === '' || path === '') {
    throw new VllmError(
      400,
      'InvalidUserInput',
      "Both 'lora_name' and 'lora_path' must be provided.",
    );
  }
  if (ctx.loras.has(name))
    throw new VllmError(
      400,
      'InvalidUserInput',
      `The lora adapter '${name}' has already been loaded.`,
    );
  ctx.loras.set(name, { name, path, baseModelName: null });
  ctx.log.info(
    'APIServer',
    'serving_models.py:196',
    `Loaded new LoRA adapter: name '${name}', path '${path}'`,
  );
  ex.send(200, `Success: LoRA adapter '${name}' added successfully.`, 'text/plain; charset=utf-8');
}

/** POST /v1/unload_lora_adapter. */
export function handleUnloadLora(ctx: SimContext, ex: Exchange, body: unknown): void {
  const o = asObject(body);
  const name = o.lora_name;
  if (typeof name !== 'string' || !ctx.loras.has(name)) {
    throw new VllmError(
      404,
      'NotFoundError',
      `The lora adapter '${String(name)}' cannot be found.`,
    );
  }
  ctx.loras.delete(name);
  ctx.log.info('APIServer', 'serving_models.py:234', `Removed LoRA adapter: name '${name}'`);
  ex.send(
    200,
    `Success: LoRA adapter '${name}' removed successfully.`,
    'text/plain; charset=utf-8',
  );
}
