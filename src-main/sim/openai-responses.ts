import type { TokenEvent } from './engine.js';
import type { GenPlan } from './text-generator.js';

export interface Usage {
  prompt_tokens: number;
  total_tokens: number;
  completion_tokens: number;
}

/** Identity of one response: id (`chatcmpl-…` / `cmpl-…`), creation second, model name. */
export interface ResponseMeta {
  id: string;
  created: number;
  model: string;
}

/** Usage of a finished request: completion tokens summed over every choice. */
export function usageOf(promptTokens: number, plans: readonly GenPlan[]): Usage {
  const completion = plans.reduce((s, p) => s + p.count, 0);
  return {
    prompt_tokens: promptTokens,
    total_tokens: promptTokens + completion,
    completion_tokens: completion,
  };
}

/** Non-streaming chat completion body, keys as vLLM's model_dump() writes them. */
export function chatBody(meta: ResponseMeta, plans: readonly GenPlan[], usage: Usage): string {
  return JSON.stringify({
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    choices: plans.map((p, index) => ({
      index,
      message: {
        role: 'assistant',
        content: p.text(),
        refusal: null,
        annotations: null,
        audio: null,
        function_call: null,
        tool_calls: [],
        reasoning_content: null,
      },
      logprobs: null,
      finish_reason: p.finishReason,
      stop_reason: p.stopReason,
      token_ids: null,
    })),
    service_tier: null,
    system_fingerprint: null,
    usage: { ...usage, prompt_tokens_details: null },
    prompt_logprobs: null,
    prompt_token_ids: null,
    kv_transfer_params: null,
  });
}

/** Non-streaming text completion body; `echo` holds each choice's prompt text when echo was asked for. */
export function completionBody(
  meta: ResponseMeta,
  plans: readonly GenPlan[],
  usage: Usage,
  echo: readonly string[] | null,
): string {
  return JSON.stringify({
    id: meta.id,
    object: 'text_completion',
    created: meta.created,
    model: meta.model,
    choices: plans.map((p, index) => ({
      index,
      text: (echo?.[index] ?? '') + p.text(),
      logprobs: null,
      finish_reason: p.finishReason,
      stop_reason: p.stopReason,
      token_ids: null,
      prompt_logprobs: null,
      prompt_token_ids: null,
    })),
    service_tier: null,
    system_fingerprint: null,
    usage: { ...usage, prompt_tokens_details: null },
    kv_transfer_params: null,
  });
}

/**
 * Builds the SSE events of one streaming response (interfaces.md §1.5): chat chunks without unset
 * keys and with a role chunk first, completion chunks with every key, an optional usage chunk with
 * `choices: []`, then `data: [DONE]`. The constant head of every chunk is serialized once.
 */
export class SseWriter {
  private readonly head: string;
  private readonly started: boolean[];
  private readonly produced: number[];

  constructor(
    private readonly kind: 'chat' | 'completion',
    meta: ResponseMeta,
    choices: number,
    private readonly promptTokens: number,
    private readonly plans: readonly GenPlan[],
    private readonly continuousUsage: boolean,
    private readonly echo: readonly string[] | null,
  ) {
    const object = kind === 'chat' ? 'chat.completion.chunk' : 'text_completion';
    this.head = `data: {"id":${JSON.stringify(meta.id)},"object":"${object}","created":${meta.created},"model":${JSON.stringify(meta.model)},"choices":[`;
    this.started = new Array<boolean>(choices).fill(false);
    this.produced = new Array<number>(choices).fill(0);
  }

  private usageJson(choice: number): string {
    const c = this.produced[choice] ?? 0;
    return `{"prompt_tokens":${this.promptTokens},"total_tokens":${this.promptTokens + c},"completion_tokens":${c}}`;
  }

  /** The events for tokens that became due, as one string to write. */
  tokens(events: readonly TokenEvent[]): string {
    let out = '';
    for (const ev of events) {
      const i = ev.choice;
      this.produced[i] = (this.produced[i] ?? 0) + 1;
      const plan = this.plans[i];
      const finish =
        ev.last && plan
          ? `"finish_reason":"${plan.finishReason}","stop_reason":${JSON.stringify(plan.stopReason)}`
          : '"finish_reason":null';
      let text = ev.text;
      if (!this.started[i]) {
        this.started[i] = true;
        if (this.kind === 'chat')
          out += `${this.head}{"index":${i},"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]${this.tail(i, true)}}\n\n`;
        else text = (this.echo?.[i] ?? '') + text;
      }
      if (this.kind === 'chat') {
        out += `${this.head}{"index":${i},"delta":{"content":${JSON.stringify(text)}},"logprobs":null,${finish}}]${this.tail(i, true)}}\n\n`;
      } else {
        const stop = ev.last ? '' : ',"stop_reason":null';
        out += `${this.head}{"index":${i},"text":${JSON.stringify(text)},"logprobs":null,${finish}${stop}}]${this.tail(i, false)}}\n\n`;
      }
    }
    return out;
  }

  private tail(choice: number, chat: boolean): string {
    if (this.continuousUsage) return `,"usage":${this.usageJson(choice)}`;
    return chat ? '' : ',"usage":null';
  }

  /** The closing events: the usage chunk when asked for, then `data: [DONE]`. */
  end(usage: Usage | null): string {
    const u = usage ? `${this.head}],"usage":${JSON.stringify(usage)}}\n\n` : '';
    return `${u}data: [DONE]\n\n`;
  }

  /** The last chunk of every choice the engine aborted (finish_reason "abort"), then `data: [DONE]`. */
  aborted(): string {
    let out = '';
    this.plans.forEach((_, i) => {
      const choice =
        this.kind === 'chat'
          ? `{"index":${i},"delta":{},"logprobs":null,"finish_reason":"abort","stop_reason":null}`
          : `{"index":${i},"text":"","logprobs":null,"finish_reason":"abort","stop_reason":null}`;
      out += `${this.head}${choice}]${this.tail(i, this.kind === 'chat')}}\n\n`;
    });
    return `${out}data: [DONE]\n\n`;
  }

  /** An error event inside the stream, then `data: [DONE]` (vLLM's create_streaming_error_response). */
  error(message: string, type: string, code: number): string {
    return `data: ${JSON.stringify({ error: { message, type, param: null, code } })}\n\ndata: [DONE]\n\n`;
  }
}
