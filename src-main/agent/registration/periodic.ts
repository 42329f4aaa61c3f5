/** Log a repeating failure the first time, then every `every`-th time (so a dead control plane does not flood the log). */
export class FailureThrottle {
  private failures = 0;

  constructor(private readonly every = 12) {}

  /** Counts a failure; true when this one should be logged. */
  fail(): boolean {
    this.failures++;
    return this.failures === 1 || this.failures % this.every === 1;
  }

  /** Resets on success; returns how many failures preceded it. */
  succeed(): number {
    const n = this.failures;
    this.failures = 0;
    return n;
  }
}

/** Runs `tick` now and then every `intervalMs` after each run finishes (never overlapping) until stopped. */
export class Periodic {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly intervalMs: number,
    private readonly tick: () => Promise<unknown>,
  ) {}

  start(): void {
    this.run();
  }

  private run(): void {
    if (this.stopped) return;
    this.running = this.tick()
      .then(() => undefined)
      .catch(() => undefined)
      .finally(() => {
        this.running = undefined;
        if (this.stopped) return;
        this.timer = setTimeout(() => this.run(), this.intervalMs);
        this.timer.unref();
      });
  }

  /** Stops scheduling and waits for a tick in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
