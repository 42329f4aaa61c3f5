import { StringDecoder } from 'node:string_decoder';
import { Transform, type TransformCallback } from 'node:stream';
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

/**
 * Relays an SSE stream event by event, dropping the usage-only chunk (`"choices":[]` with a
 * `usage`) that the gateway asked for on the client's behalf, and remembering its counts. Every
 * other event passes as the same bytes.
 */
export class UsageChunkStripper extends Transform {
  private pending = '';
  private readonly decoder = new StringDecoder('utf8');
  usage: RequestUsage | null = null;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.pending += this.decoder.write(chunk);
    let out = '';
    let end: number;
    while ((end = this.pending.indexOf('\n\n')) >= 0) {
      const event = this.pending.slice(0, end + 2);
      this.pending = this.pending.slice(end + 2);
      if (event.includes('"choices":[]') && event.includes('"usage":{')) {
        this.usage = usageIn(event);
        continue;
      }
      out += event;
    }
    done(null, out.length > 0 ? out : undefined);
  }

  override _flush(done: TransformCallback): void {
    const rest = this.pending + this.decoder.end();
    done(null, rest.length > 0 ? rest : undefined);
  }
}
