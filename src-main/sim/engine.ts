import type { GenPlan } from './text-generator.js';
import type { VllmMetrics } from './vllm-metrics.js';

/** A token that became due for one choice of a streaming request. */
export interface TokenEvent {
  choice: number;
  text: string;
  /** True for this choice's last token. */
  last: boolean;
}

/** One generation request as the engine sees it. */
export interface Job {
  promptTokens: number;
  plans: readonly GenPlan[];
  maxTokens: number;
  /** Streaming jobs get their tokens as they become due; others only `onDone`. */
  stream: boolean;
  onTokens(events: TokenEvent[]): void;
  onDone(): void;
  /** The engine died while the job was queued or running. */
  onFail(message: string): void;
  /**
   * The engine stopped the job (a sleep with `mode=abort`): `generated` tokens per choice came out.
   * Absent: the job just ends, as for a client that went away.
   */
  onAborted?(generated: number): void;
}

export interface JobHandle {
  /** Stops the job (client disconnect); counted as `finished_reason="abort"`. No-op once finished. */
  abort(): void;
}

export interface EngineSpeed {
  tokensPerS: number;
  ttftMs: number;
  maxNumSeqs: number;
  kvCapacityTokens: number;
}

interface Entry {
  job: Job;
  arrived: number;
  admitted: number;
  firstAt: number;
  emitted: number;
  total: number;
  promptCounted: boolean;
  timer: NodeJS.Timeout | null;
  state: 'waiting' | 'running' | 'done';
}

/**
 * A continuous-batching engine in miniature: at most `maxNumSeqs` requests run, the rest wait;
 * each running request gets its first token after the TTFT and then one token per 1/tokensPerS.
 * One timer drives every stream, so a thousand open streams cost one timer, not a thousand.
 */
export class SimEngine {
  private readonly running = new Set<Entry>();
  private readonly waiting: Entry[] = [];
  private readonly streams = new Set<Entry>();
  private tickTimer: NodeJS.Timeout | null = null;
  private paused = false;
  private deadMessage: string | null = null;
  private readonly step: number;

  constructor(
    private readonly speed: EngineSpeed,
    private readonly metrics: VllmMetrics,
    private readonly onChange: () => void = () => undefined,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.step = speed.tokensPerS > 0 ? 1000 / speed.tokensPerS : 0;
  }

  get runningCount(): number {
    return this.running.size;
  }

  get waitingCount(): number {
    return this.waiting.length;
  }

  /** Queues a job; it starts at once when a sequence slot is free and the engine is not paused. */
  submit(job: Job): JobHandle {
    const t = this.now();
    const total = job.plans.reduce((m, p) => Math.max(m, p.count), 0);
    const entry: Entry = {
      job,
      arrived: t,
      admitted: t,
      firstAt: t,
      emitted: 0,
      total,
      promptCounted: false,
      timer: null,
      state: 'waiting',
    };
    if (this.deadMessage !== null) {
      entry.state = 'done';
      job.onFail(this.deadMessage);
      return { abort: () => undefined };
    }
    this.waiting.push(entry);
    this.syncGauges();
    this.admit();
    return { abort: () => this.abort(entry) };
  }

  /** Stops admitting new work (a sleeping engine that hangs requests); queued jobs wait. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.admit();
  }

  /** Jobs queued or running: what a `/sleep` finds in flight. */
  get inFlight(): number {
    return this.running.size + this.waiting.length;
  }

  /**
   * Aborts every queued and running job (finished_reason "abort"), telling each its partial
   * output: what current vLLM does to requests in flight when it is put to sleep (`mode=abort`).
   */
  abortAll(): void {
    const t = this.now();
    for (const e of [...this.waiting, ...this.running]) {
      const generated =
        e.state === 'running' ? (e.job.stream ? e.emitted : this.dueCount(e, t)) : 0;
      this.abort(e);
      e.job.onAborted?.(generated);
    }
  }

  /** The engine died: every queued and running job fails with `message`, later ones too. */
  kill(message: string): void {
    this.deadMessage = message;
    const all = [...this.waiting, ...this.running];
    this.waiting.length = 0;
    this.running.clear();
    this.streams.clear();
    for (const e of all) {
      if (e.timer) clearTimeout(e.timer);
      e.state = 'done';
      e.job.onFail(message);
    }
    this.syncGauges();
  }

  /** KV-cache use, 0–1: prompt plus generated tokens of the running requests over the capacity. */
  kvUsage(): number {
    const t = this.now();
    let tokens = 0;
    for (const e of this.running)
      tokens += e.job.promptTokens + this.dueCount(e, t) * e.job.plans.length;
    return Math.min(1, tokens / this.speed.kvCapacityTokens);
  }

  private dueCount(e: Entry, t: number): number {
    if (t < e.firstAt) return 0;
    if (this.step === 0) return e.total;
    return Math.min(e.total, 1 + Math.floor((t - e.firstAt) / this.step));
  }

  private admit(): void {
    while (!this.paused && this.running.size < this.speed.maxNumSeqs && this.waiting.length > 0) {
      const e = this.waiting.shift() as Entry;
      const t = this.now();
      e.state = 'running';
      e.admitted = t;
      e.firstAt = t + this.speed.ttftMs;
      this.running.add(e);
      this.syncGauges();
      if (e.job.stream) {
        this.streams.add(e);
        this.scheduleTick(this.speed.ttftMs);
      } else {
        const delay = this.speed.ttftMs + Math.max(0, e.total - 1) * this.step;
        if (delay <= 0) this.finish(e);
        else e.timer = setTimeout(() => this.finish(e), delay);
      }
    }
  }

  private scheduleTick(delay: number): void {
    if (this.tickTimer !== null || this.streams.size === 0) return;
    this.tickTimer = setTimeout(() => this.tick(), Math.max(0, delay));
  }

  private tick(): void {
    this.tickTimer = null;
    const t = this.now();
    let nextDue = Number.POSITIVE_INFINITY;
    for (const e of this.streams) {
      const due = this.dueCount(e, t);
      if (due > e.emitted) {
        if (!e.promptCounted) this.countPrompt(e);
        const events: TokenEvent[] = [];
        for (let k = e.emitted; k < due; k++) {
          e.job.plans.forEach((p, choice) => {
            if (k < p.count) events.push({ choice, text: p.token(k), last: k === p.count - 1 });
          });
        }
        e.emitted = due;
        e.job.onTokens(events);
      }
      if (e.state !== 'running') continue;
      if (e.emitted >= e.total) this.finish(e);
      else nextDue = Math.min(nextDue, e.firstAt + e.emitted * this.step);
    }
    if (nextDue !== Number.POSITIVE_INFINITY) this.scheduleTick(Math.max(1, nextDue - this.now()));
  }

  private countPrompt(e: Entry): void {
    e.promptCounted = true;
    this.metrics.promptTokens.value += e.job.promptTokens;
  }

  private finish(e: Entry): void {
    if (e.state !== 'running') return;
    const t = this.now();
    if (!e.promptCounted) this.countPrompt(e);
    this.release(e);
    const plan = e.job.plans[0];
    this.metrics.recordFinished(plan?.finishReason ?? 'stop', {
      queue: (e.admitted - e.arrived) / 1000,
      prefill: (e.firstAt - e.admitted) / 1000,
      decode: Math.max(0, t - e.firstAt) / 1000,
      promptTokens: e.job.promptTokens,
      generationTokens: e.job.plans.reduce((s, p) => s + p.count, 0),
      maxTokens: e.job.maxTokens,
      n: e.job.plans.length,
    });
    e.job.onDone();
    this.admit();
  }

  private abort(e: Entry): void {
    if (e.state === 'done') return;
    if (e.state === 'waiting') {
      const i = this.waiting.indexOf(e);
      if (i !== -1) this.waiting.splice(i, 1);
      e.state = 'done';
      this.metrics.recordAborted(0);
      this.syncGauges();
      return;
    }
    const t = this.now();
    const generated = (e.job.stream ? e.emitted : this.dueCount(e, t)) * e.job.plans.length;
    if (!e.promptCounted && t >= e.firstAt) this.countPrompt(e);
    this.release(e);
    this.metrics.recordAborted(generated);
    this.admit();
  }

  private release(e: Entry): void {
    if (e.timer) clearTimeout(e.timer);
    e.timer = null;
    e.state = 'done';
    this.running.delete(e);
    this.streams.delete(e);
    this.syncGauges();
  }

  private syncGauges(): void {
    this.metrics.running.value = this.running.size;
    this.metrics.waiting.value = this.waiting.length;
    this.onChange();
  }
}
