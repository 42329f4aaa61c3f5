// Change notification for the status entries (`GET /deployments/watch`): the control plane holds
// one long poll open per node and syncs that node as soon as it answers, so a state change on the
// agent reaches the console in well under a sync interval (issue 12 item 11).

/** How often a held watch looks for a change, ms: the bound on the agent's share of the latency. */
export const WATCH_POLL_MS = 100;

/**
 * A version number over the status entries. Statuses change in many places (launch, monitor,
 * pause, stop, scrape), so instead of every one of them announcing it, the watch compares a
 * fingerprint of the entries: on every look, and every `WATCH_POLL_MS` while a watch is held.
 * The version starts at the clock, so a restarted agent never reuses an earlier run's numbers.
 */
export class StatusWatch {
  private version: number;
  private last: string;
  private readonly waiters = new Set<() => void>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly fingerprint: () => string,
    now: number = Date.now(),
    private readonly pollMs = WATCH_POLL_MS,
  ) {
    this.version = now;
    this.last = fingerprint();
  }

  /** The current version, moved on first when the entries changed since the last look. */
  current(): number {
    const f = this.fingerprint();
    if (f !== this.last) {
      this.last = f;
      this.version++;
    }
    return this.version;
  }

  /**
   * Resolves true at once when the version is not `since` (or `since` is absent: the caller has
   * seen nothing yet), else when it moves within `waitMs`; false when it did not.
   */
  changedSince(since: number | undefined, waitMs: number): Promise<boolean> {
    if (since === undefined || this.current() !== since) return Promise.resolve(true);
    if (waitMs <= 0) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const done = (changed: boolean) => {
        clearTimeout(timeout);
        this.waiters.delete(wake);
        if (this.waiters.size === 0) this.stopPolling();
        resolve(changed);
      };
      const wake = () => done(true);
      const timeout = setTimeout(() => done(false), waitMs);
      timeout.unref();
      this.waiters.add(wake);
      this.startPolling(since);
    });
  }

  /** Answers every held watch (shutdown): each reports a change, so its caller polls again. */
  close(): void {
    for (const w of [...this.waiters]) w();
  }

  private startPolling(since: number): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => {
      if (this.current() === since) return;
      for (const w of [...this.waiters]) w();
    }, this.pollMs);
    this.timer.unref();
  }

  private stopPolling(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
