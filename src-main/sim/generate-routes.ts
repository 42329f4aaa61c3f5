import { randomUUID } from 'node:crypto';
import type { Job } from './engine.js';
import { type Exchange, VllmError } from './http-io.js';
import { type GenerationRequest, parseGeneration } from './openai-requests.js';
import {
  chatBody,
  completionBody,
  type ResponseMeta,
  SseWriter,
  usageOf,
} from './openai-responses.js';
import { resolveModel, type SimContext } from './sim-context.js';
import { fixedPlan, type GenPlan, planGeneration } from './text-generator.js';

const ENGINE_DEAD = 'EngineCore encountered an issue. See stack trace (above) for the root cause.';

/** Cause logged when a generation reaches a sleeping engine and the sim imitates the crash. */
export const ASLEEP_CRASH_CAUSE =
  'RuntimeError: CUDA error: an illegal memory access was encountered';

function maxTokensFor(ctx: SimContext, req: GenerationRequest, promptTokens: number): number {
  const limit = ctx.maxModelLen;
  if (promptTokens >= limit) {
    throw new VllmError(
      400,
      'BadRequestError',
      `This model's maximum context length is ${limit} tokens. However, your request has ${promptTokens} input tokens. Please reduce the length of the input messages.`,
    );
  }
  const max = req.maxTokens ?? limit - promptTokens;
  if (promptTokens + max > limit) {
    const where = req.kind === 'chat' ? 'messages' : 'prompt';
    throw new VllmError(
      400,
      'BadRequestError',
      ctx.options.profile.maxTokensMessage(limit, promptTokens, max, where),
    );
  }
  return max;
}

/** POST /v1/chat/completions and /v1/completions: validate, queue on the engine, answer or stream. */
export function handleGeneration(
  ctx: SimContext,
  ex: Exchange,
  kind: 'chat' | 'completion',
  body: unknown,
): void {
  const req = parseGeneration(kind, body);
  const model = resolveModel(ctx, req.model);
  if (ctx.pooling) {
    throw new VllmError(
      400,
      'BadRequestError',
      `The model does not support ${kind === 'chat' ? 'Chat Completions' : 'Completions'} API`,
    );
  }
  const plans: GenPlan[] = [];
  const echo: string[] = [];
  let maxTokens = 0;
  for (const prompt of req.prompts) {
    maxTokens = maxTokensFor(ctx, req, prompt.tokens);
    for (let index = 0; index < req.n; index++) {
      plans.push(
        planGeneration({
          seedText: prompt.text,
          maxTokens,
          stop: req.stop,
          ignoreEos: req.ignoreEos,
          seed: req.seed,
          index,
        }),
      );
      echo.push(prompt.text);
    }
  }
  if (ctx.sleep.sleeping) {
    if (ctx.options.asleep === '503') {
      throw new VllmError(
        503,
        'ServiceUnavailableError',
        'The model is sleeping. Wake it up with POST /wake_up before sending requests.',
      );
    }
    // Real vLLM 0.10–0.12 has no guard: the request reaches freed GPU memory and kills the engine.
    // Current releases paused the scheduler before sleeping: the request queues until the wake-up.
    if (ctx.options.asleep === 'crash') ctx.crash(ASLEEP_CRASH_CAUSE);
  }
  const promptTokens = req.prompts.reduce((s, p) => s + p.tokens, 0);
  const meta: ResponseMeta = {
    id: `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomUUID().replace(/-/g, '')}`,
    created: Math.floor(Date.now() / 1000),
    model: model.name,
  };
  const usage = usageOf(promptTokens, plans);
  const echoTexts = req.echo ? echo : null;
  const res = ex.res;
  let finished = false;
  let job: Job;
  if (req.stream) {
    ex.head(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
    });
    const sse = new SseWriter(
      kind,
      meta,
      plans.length,
      promptTokens,
      plans,
      req.continuousUsage,
      echoTexts,
    );
    job = {
      promptTokens,
      plans,
      maxTokens,
      stream: true,
      onTokens: (events) => {
        if (!res.destroyed) res.write(sse.tokens(events));
      },
      onDone: () => {
        finished = true;
        res.end(sse.end(req.includeUsage ? usage : null));
      },
      onFail: () => {
        finished = true;
        res.end(sse.error(ENGINE_DEAD, 'InternalServerError', 500));
      },
      onAborted: () => {
        finished = true;
        res.end(sse.aborted());
      },
    };
  } else {
    job = {
      promptTokens,
      plans,
      maxTokens,
      stream: false,
      onTokens: () => undefined,
      onDone: () => {
        finished = true;
        ex.send(
          200,
          kind === 'chat'
            ? chatBody(meta, plans, usage)
            : completionBody(meta, plans, usage, echoTexts),
        );
      },
      onAborted: (generated) => {
        finished = true;
        const cut = plans.map((p) =>
          fixedPlan(
            Array.from({ length: Math.min(generated, p.count) }, (_, k) => p.token(k)),
            'abort',
            null,
          ),
        );
        const partial = usageOf(promptTokens, cut);
        ex.send(
          200,
          kind === 'chat'
            ? chatBody(meta, cut, partial)
            : completionBody(meta, cut, partial, echoTexts),
        );
      },
      onFail: () => {
        finished = true;
        ex.send(
          500,
          JSON.stringify({
            error: { message: ENGINE_DEAD, type: 'InternalServerError', param: null, code: 500 },
          }),
        );
      },
    };
  }
  const handle = ctx.engine.submit(job);
  if (!finished) {
    res.on('close', () => {
      // A client that goes away before the answer is complete aborts the generation, as in vLLM.
      if (!finished) handle.abort();
    });
  }
}
