/** What an EventForwarder reports about itself (for logs and tests). */
export interface ForwarderStats {
  ready: boolean;
  queued: number;
  /** Events thrown away because the queue was full while the receiver was not ready. */
  dropped: number;
}

export interface EventForwarderOptions {
  /** Most events kept while the receiver is not ready; the oldest go first. */
  maxQueue?: number;
}

/**
 * Forwards events to a receiver that may not be listening yet (the renderer while it loads):
 * events are queued until `markReady()`, then flushed in order, then sent directly. The queue is
 * bounded so a window that never becomes ready cannot grow memory without limit.
 */
export class EventForwarder<E> {
  private readonly queue: E[] = [];
  private readonly maxQueue: number;
  private ready = false;
  private dropped = 0;

  constructor(
    private readonly send: (event: E) => void,
    opts: EventForwarderOptions = {},
  ) {
    this.maxQueue = Math.max(1, opts.maxQueue ?? 1000);
  }

  /** Sends `event` now if the receiver is ready, otherwise queues it. */
  push(event: E): void {
    if (this.ready) {
      this.send(event);
      return;
    }
    if (this.queue.length >= this.maxQueue) {
      this.queue.shift();
      this.dropped++;
    }
    this.queue.push(event);
  }

  /** The receiver is listening: flush the queue in arrival order. Idempotent. */
  markReady(): void {
    if (this.ready) return;
    this.ready = true;
    while (this.queue.length > 0) {
      // Shift before sending so an event that throws is not sent twice on the next flush.
      const next = this.queue.shift() as E;
      this.send(next);
    }
  }

  /** The receiver went away (reload, crash): queue again until it says it is ready. */
  reset(): void {
    this.ready = false;
  }

  stats(): ForwarderStats {
    return { ready: this.ready, queued: this.queue.length, dropped: this.dropped };
  }
}
