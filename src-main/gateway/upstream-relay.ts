// One upstream exchange of the gateway as an undici dispatch handler: the answer goes to the
// client as it arrives, with no Readable, promise or AbortController in between (undici's
// `request()` builds all three per call, a quarter of the gateway's CPU in its benchmark).
import type { ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { TailKeeper, UsageChunkFilter, usageIn } from './response-usage.js';
import type { RequestUsage } from './usage-meter.js';

/** What the gateway hears of one exchange; exactly one of `end` and `fail` is called. */
export interface RelayEvents {
  /** The upstream's status line and headers arrived. */
  start(status: number): void;
  /** The answer was relayed in full; `usage` when it carried a usage object. */
  end(status: number, usage: RequestUsage | null): void;
  /**
   * The exchange failed: `err` is the abort reason given to `abort`, or undici's error (no
   * connection, a timeout, a reset). `status` is the upstream's, 0 when it never answered;
   * nothing was sent to the client unless `res.headersSent`.
   */
  fail(err: Error, status: number): void;
}

/**
 * Relays one upstream answer to `res`. A JSON answer goes out in one write, headers and body
 * together, with its usage read from its tail. An event stream is relayed chunk by chunk with
 * backpressure (the upstream pauses while the client's socket is full); `strip` drops the usage
 * chunk the gateway asked for on the client's behalf. A stream whose headers the gateway already
 * sent (held while its model woke) turns an upstream error answer into one error event.
 */
export class UpstreamRelay implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | null = null;
  private reason: Error | null = null;
  private done = false;
  private status = 0;
  private ok = false;
  /** The JSON body (or a held stream's error answer) collected until it ends. */
  private chunks: Buffer[] | null = null;
  private contentType = 'application/json';
  private filter: UsageChunkFilter | null = null;
  private tail: TailKeeper | null = null;
  private readonly resume = () => this.controller?.resume();
  private corked = false;
  private readonly uncork = () => {
    this.corked = false;
    this.res.uncork();
  };

  constructor(
    private readonly res: ServerResponse,
    private readonly strip: boolean,
    private readonly events: RelayEvents,
    /** The event for an upstream error answer on a stream whose headers went out already. */
    private readonly errorEvent: (status: number, text: string) => string,
  ) {}

  /** Ends the exchange with `reason` (the client went away, a hold ran out). */
  abort(reason: Error): void {
    if (this.reason || this.done) return;
    this.reason = reason;
    // Before undici starts the request (it may wait for a connection) there is nothing to abort
    // yet: `onRequestStart` does it.
    this.controller?.abort(reason);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.reason) controller.abort(this.reason);
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    status: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    if (status < 200) return; // an informational answer; the real one follows
    this.status = status;
    this.ok = status >= 200 && status < 300;
    this.events.start(status);
    const res = this.res;
    const type = headers['content-type'];
    const contentType = typeof type === 'string' ? type : 'application/json';
    if (res.headersSent) {
      if (!this.ok) this.chunks = [];
      else this.streamFilter();
      return;
    }
    if (!contentType.startsWith('text/event-stream')) {
      this.chunks = [];
      this.contentType = contentType;
      return;
    }
    res.writeHead(status, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    this.streamFilter();
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.chunks) {
      this.chunks.push(chunk);
      return;
    }
    let out = chunk;
    if (this.filter) out = this.filter.filter(chunk);
    else this.tail?.push(chunk);
    if (out.length === 0) return;
    if (!this.corked) {
      // One socket read of the upstream holds several events (each its own HTTP chunk, each its
      // own call here): they leave in one write once this read is parsed, not one write each.
      this.corked = true;
      this.res.cork();
      queueMicrotask(this.uncork);
    }
    if (!this.res.write(out)) {
      controller.pause();
      this.res.once('drain', this.resume);
    }
  }

  onResponseEnd(): void {
    if (this.done) return;
    this.done = true;
    const res = this.res;
    let usage: RequestUsage | null = null;
    if (this.chunks) {
      const body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
      if (res.headersSent) res.end(this.errorEvent(this.status, body.toString('utf8')));
      else {
        res.writeHead(this.status, [
          'content-type',
          this.contentType,
          'content-length',
          String(body.length),
        ]);
        res.end(body);
        if (this.ok)
          usage = usageIn(body.subarray(Math.max(0, body.length - 1024)).toString('latin1'));
      }
    } else if (this.filter) {
      const rest = this.filter.flush();
      if (rest.length > 0) res.end(rest);
      else res.end();
      usage = this.filter.usage;
    } else {
      res.end();
      usage = this.tail?.usage() ?? null;
    }
    this.events.end(this.status, usage);
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    if (this.done) return;
    this.done = true;
    this.res.off('drain', this.resume);
    this.events.fail(this.reason ?? err, this.status);
  }

  private streamFilter(): void {
    if (this.strip && this.ok) this.filter = new UsageChunkFilter();
    else if (this.ok) this.tail = new TailKeeper();
  }
}
