// Posts one webhook body: a 10 s budget for the whole exchange, on the injected clock, so that a
// slow receiver costs its own attempt and nothing else.
import type { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import type { Clock } from '../shared/clock.js';
import { errorMessage } from '../shared/errors.js';

/** The result of one attempt; `aborted` means the control plane is stopping (not recorded). */
export type AttemptResult =
  | { outcome: 'delivered'; statusCode: number }
  | { outcome: 'failed'; statusCode: number | null; error: string }
  | { outcome: 'aborted' };

const TIMED_OUT = Symbol('timed out');
const STOPPED = Symbol('stopped');
const SNIPPET_BYTES = 300;

/** What a failed response said, trimmed to one short line (receivers may answer with a page). */
async function snippet(body: Readable): Promise<string> {
  let text = '';
  for await (const chunk of body as AsyncIterable<Buffer>) {
    text += chunk.toString('utf8');
    if (text.length >= SNIPPET_BYTES) break;
  }
  body.destroy();
  return text.replace(/\s+/g, ' ').trim().slice(0, 200);
}

/** One HTTP client for every delivery; `close()` drops its sockets. */
export class WebhookSender {
  private readonly agent = new Agent({ keepAliveTimeout: 4_000 });

  constructor(
    private readonly clock: Clock,
    /** Budget of one attempt, connect to last byte, ms. */
    readonly timeoutMs: number,
  ) {}

  /** POSTs `body` to `url`; never throws. `stop` aborts the attempt for a shutdown. */
  async post(
    url: string,
    body: string,
    headers: Record<string, string>,
    stop: AbortSignal,
  ): Promise<AttemptResult> {
    const ctl = new AbortController();
    const onStop = () => ctl.abort(STOPPED);
    if (stop.aborted) return { outcome: 'aborted' };
    stop.addEventListener('abort', onStop, { once: true });
    const timer = this.clock.setTimeout(() => ctl.abort(TIMED_OUT), this.timeoutMs);
    try {
      const res = await request(url, {
        method: 'POST',
        body,
        headers,
        signal: ctl.signal,
        dispatcher: this.agent,
      });
      if (res.statusCode >= 200 && res.statusCode < 300) {
        // The receiver has taken it; what it sends after the status does not matter.
        res.body.on('error', () => undefined);
        res.body.destroy();
        return { outcome: 'delivered', statusCode: res.statusCode };
      }
      const said = await snippet(res.body);
      return {
        outcome: 'failed',
        statusCode: res.statusCode,
        error: `HTTP ${res.statusCode}${said ? `: ${said}` : ''}`,
      };
    } catch (err) {
      const reason: unknown = ctl.signal.reason;
      if (reason === STOPPED) return { outcome: 'aborted' };
      if (reason === TIMED_OUT)
        return {
          outcome: 'failed',
          statusCode: null,
          error: `timed out after ${this.timeoutMs / 1000} s`,
        };
      return { outcome: 'failed', statusCode: null, error: errorMessage(err) };
    } finally {
      this.clock.clearTimeout(timer);
      stop.removeEventListener('abort', onStop);
    }
  }

  async close(): Promise<void> {
    await this.agent.destroy();
  }
}
