import { systemClock, type Clock } from '../clock.js';
import { errorMessage } from '../errors.js';
import type { LoopStatus } from '../health.js';
import type { Logger } from './structured-log.js';

export interface SyncLoopOptions {
  name: string;
  /** Where failures and recoveries are logged (the caller's category). */
  logger: Logger;
  /** Current interval in seconds, read before every wait so settings apply live. */
  intervalSeconds: () => number;
  tick: () => Promise<void>;
  clock?: Clock;
  /** Longest wait after repeated failures, in seconds. */
  maxBackoffSeconds?: number;
}

/**
 * The one loop primitive of every Aerie program (control-plane sync loops, the agent's
 * announcements). Runs `tick` forever: never overlapping itself, surviving any error (with backoff), logging a
 * failure about once a minute, and exposing its last-run status. `reschedule()` applies a new
 * interval to the wait already in progress.
 */
export class SyncLoop {
  private timer: unknown = null;
  private running = false;
  private stopped = true;
  private current: Promise<void> | null = null;
  private lastEnd = 0;
  private consecutiveFailures = 0;
  private lastLoggedFailure = -Infinity;
  private readonly clock: Clock;
  private readonly state = {
    ticks: 0,
    failures: 0,
    lastStartedAt: null as number | null,
    lastDurationMs: null as number | null,
    lastError: null as string | null,
  };

  constructor(private readonly opts: SyncLoopOptions) {
    this.clock = opts.clock ?? systemClock;
  }

  get name(): string {
    return this.opts.name;
  }

  /** Starts ticking; the first tick runs after `firstDelayMs` (default: at once). */
  start(firstDelayMs = 0): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.lastEnd = this.clock.now();
    this.schedule(firstDelayMs);
  }

  /** Re-reads the interval and re-times the pending wait (a shorter interval takes effect now). */
  reschedule(): void {
    if (this.stopped || this.running) return;
    this.schedule(Math.max(0, this.lastEnd + this.delayMs() - this.clock.now()));
  }

  /** Runs one tick now unless one is already running; resolves when it ends. */
  async runOnce(): Promise<void> {
    if (this.current) return this.current;
    this.current = this.execute().finally(() => (this.current = null));
    return this.current;
  }

  /**
   * Asks for a tick as soon as possible: now, or right after the tick in progress (whose work
   * may predate what the caller just changed). Never overlaps; resolves when that tick ends.
   */
  async trigger(): Promise<void> {
    if (this.stopped) return;
    if (this.current) {
      this.rerun ??= this.current.then(() => {
        this.rerun = null;
        return this.runOnce();
      });
      return this.rerun;
    }
    return this.runOnce();
  }

  private rerun: Promise<void> | null = null;

  /** Stops scheduling and waits for a tick in progress to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    await this.current;
  }

  status(): LoopStatus {
    return {
      name: this.opts.name,
      interval_seconds: this.opts.intervalSeconds(),
      running: this.running,
      ticks: this.state.ticks,
      failures: this.state.failures,
      last_started_at:
        this.state.lastStartedAt === null ? null : new Date(this.state.lastStartedAt).toISOString(),
      last_duration_ms: this.state.lastDurationMs,
      last_error: this.state.lastError,
    };
  }

  private delayMs(): number {
    const base = Math.max(0.001, this.opts.intervalSeconds()) * 1000;
    if (this.consecutiveFailures === 0) return base;
    const backed = base * 2 ** Math.min(this.consecutiveFailures, 6);
    return Math.min(backed, Math.max(base, (this.opts.maxBackoffSeconds ?? 300) * 1000));
  }

  private schedule(ms: number): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      void this.runOnce().then(() => {
        if (!this.stopped) this.schedule(this.delayMs());
      });
    }, ms);
  }

  private async execute(): Promise<void> {
    this.running = true;
    const started = this.clock.now();
    this.state.lastStartedAt = started;
    try {
      await this.opts.tick();
      if (this.consecutiveFailures > 0)
        this.opts.logger.info('loop recovered', { loop: this.opts.name });
      this.consecutiveFailures = 0;
      this.state.lastError = null;
    } catch (err) {
      this.consecutiveFailures++;
      this.state.failures++;
      this.state.lastError = errorMessage(err);
      if (started - this.lastLoggedFailure >= 60_000 || this.consecutiveFailures === 1) {
        this.lastLoggedFailure = started;
        this.opts.logger.error('loop tick failed', {
          loop: this.opts.name,
          failures: this.consecutiveFailures,
          err,
        });
      }
    } finally {
      this.state.ticks++;
      this.lastEnd = this.clock.now();
      this.state.lastDurationMs = this.lastEnd - started;
      this.running = false;
    }
  }
}
