import type { RequestUsage } from './usage-meter.js';

const PROMPT = /"prompt_tokens":\s*(\d+)/;
const COMPLETION = /"completion_tokens":\s*(\d+)/;

/**
 * The `usage` object's token counts in `text`, from its last `"usage":{` (vLLM puts it at the end
 * of a body and in the final chunk of a stream); null when there is none. Reads a few hundred
 * bytes with two regular expressions instead of parsing the whole response.
 */
export function usageIn(text: string): RequestUsage | null {
  const at = text.lastIndexOf('"usage":{');
  if (at < 0) return null;
  const tail = text.slice(at, at + 400);
  const p = PROMPT.exec(tail);
  if (!p) return null;
  const c = COMPLETION.exec(tail);
  return { prompt_tokens: Number(p[1]), completion_tokens: c ? Number(c[1]) : 0 };
}

/** Keeps the last bytes that passed through, so the usage can be read once the body ended. */
export class TailKeeper {
  private tail = '';
  constructor(private readonly size = 2048) {}
  push(chunk: Buffer): void {
    const s =
      chunk.length > this.size
        ? chunk.subarray(chunk.length - this.size).toString('utf8')
        : chunk.toString('utf8');
    this.tail = (this.tail + s).slice(-this.size);
  }
  usage(): RequestUsage | null {
    return usageIn(this.tail);
  }
}

const EVENT_END = Buffer.from('\n\n');
const USAGE_ONLY = Buffer.from('"choices":[]');
const USAGE = Buffer.from('"usage":{');

/**
 * Filters an SSE stream chunk by chunk, dropping the usage-only chunk (`"choices":[]` with a
 * `usage`) that the gateway asked for on the client's behalf and remembering its counts. A chunk
 * of whole events without that marker (nearly every one: vLLM writes an event per write) passes
 * as the same bytes, with no copy and no decoding; a partial event waits for its end.
 */
export class UsageChunkFilter {
  private pending: Buffer | null = null;
  usage: RequestUsage | null = null;

  /** The bytes to send for `chunk` (possibly empty). */
  filter(chunk: Buffer): Buffer {
    const data = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    const last = data.lastIndexOf(EVENT_END);
    if (last < 0) {
      this.pending = data;
      return Buffer.alloc(0);
    }
    const cut = last + EVENT_END.length;
    this.pending = cut < data.length ? data.subarray(cut) : null;
    const whole = cut < data.length ? data.subarray(0, cut) : data;
    return this.drop(whole);
  }

  /**
   * `whole` (whole events) without its usage-only events: found and cut by byte offsets, so the
   * one chunk of a stream that holds the usage is not decoded, split and joined again.
   */
  private drop(whole: Buffer): Buffer {
    let at = whole.indexOf(USAGE_ONLY);
    if (at < 0) return whole;
    const kept: Buffer[] = [];
    let from = 0;
    while (at >= 0) {
      const start = whole.lastIndexOf(EVENT_END, at);
      const eventStart = start < 0 ? 0 : start + EVENT_END.length;
      const end = whole.indexOf(EVENT_END, at) + EVENT_END.length;
      const event = whole.subarray(eventStart, end);
      if (event.indexOf(USAGE) >= 0 && eventStart >= from) {
        this.usage = usageIn(event.toString('latin1'));
        if (eventStart > from) kept.push(whole.subarray(from, eventStart));
        from = end;
      }
      at = whole.indexOf(USAGE_ONLY, end);
    }
    if (from === 0) return whole;
    if (from < whole.length) kept.push(whole.subarray(from));
    return kept.length === 1 ? kept[0]! : Buffer.concat(kept);
  }

  /** What is left when the stream ends (an unterminated last event). */
  flush(): Buffer {
    const rest = this.pending ?? Buffer.alloc(0);
    this.pending = null;
    return rest;
  }
}
