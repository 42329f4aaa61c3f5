import type { Readable } from 'node:stream';
import {
  formatAgentLine,
  formatRuntimeLine,
  timestampNanos,
  type AgentLineTag,
} from './log-line.js';
import type { LogFile } from './log-file.js';
import { scrubSecrets, secretValues } from './secret-mask.js';

/** Lines kept in memory per deployment (what `/deployments/logs?tail=` can return). */
export const LOG_TAIL_LINES = 2000;

/** The runtime a deployment runs on; decides whether `[docker]` lines read `[podman]`. */
export type LogRuntime = 'docker' | 'podman' | 'process';

/**
 * The log of one deployment: an in-memory tail plus the persistent file. Runtime lines are
 * cleaned and formatted, duplicates from a resumed stream are dropped by timestamp, and secret
 * env values are scrubbed from every line before it is kept anywhere.
 */
export class LogStore {
  private lines: string[] = [];
  private pending: string[] = [];
  private pendingPos: string | null = null;
  private flushScheduled = false;
  private secrets: string[] = [];
  /** Last raw timestamp accepted (nanoseconds). */
  private posNanos: bigint | null;
  private posRaw: string | null;
  /**
   * Lines at or before this were already stored by an earlier stream of the same run. Only armed
   * when a stream is resumed: within one live stream, lines may share a timestamp (ms precision).
   */
  private dedupeBefore: bigint | null;

  constructor(
    readonly key: string,
    readonly fileName: string,
    private readonly file: LogFile,
    private readonly runtime: LogRuntime,
    private readonly now: () => number = Date.now,
    private readonly onWriteError: (err: unknown) => void = () => undefined,
  ) {
    this.posRaw = file.readPos();
    this.posNanos = this.posRaw === null ? null : timestampNanos(this.posRaw);
    this.dedupeBefore = this.posNanos;
  }

  /** Loads the stored tail (after an agent restart), so `/logs` shows the run so far. */
  loadTail(): void {
    this.lines = this.file.readTail(LOG_TAIL_LINES);
  }

  /** Registers the deployment's env; values of TOKEN/SECRET/KEY/PASSWORD vars are scrubbed from all lines. */
  setSecretEnv(env: Readonly<Record<string, string>>): void {
    this.addSecrets(secretValues(env));
  }

  /** Registers more strings to scrub from all lines (values of secret flags such as `--api-key`). */
  addSecrets(values: readonly string[]): void {
    const all = new Set([...this.secrets, ...values]);
    // Longest first, so a secret that contains another is replaced whole.
    this.secrets = [...all].sort((a, b) => b.length - a.length);
  }

  /** One line as the runtime delivered it (RFC 3339 `ts`). Returns false when it was dropped. */
  ingest(ts: string, text: string): boolean {
    const nanos = timestampNanos(ts);
    if (nanos !== null && this.dedupeBefore !== null) {
      if (nanos <= this.dedupeBefore) return false;
      this.dedupeBefore = null;
    }
    if (nanos !== null) {
      this.posNanos = nanos;
      this.posRaw = ts;
      this.pendingPos = ts;
    }
    let keptAny = false;
    // A runtime "line" may still hold several lines (a process runtime's chunk); each is judged alone.
    for (const part of text.split('\n')) {
      const line = formatRuntimeLine(ts, part, this.now());
      if (line === null) continue;
      this.keep(scrubSecrets(line, this.secrets));
      keptAny = true;
    }
    this.scheduleFlush();
    return keptAny;
  }

  /** A line the agent writes itself, tagged `[agent]`, `[docker]` or `[podman]`. */
  write(text: string, tag: AgentLineTag = 'agent'): void {
    const effective = tag === 'docker' && this.runtime === 'podman' ? 'podman' : tag;
    for (const part of text.split('\n')) {
      if (part.trim() === '') continue;
      this.keep(scrubSecrets(formatAgentLine(effective, part, this.now()), this.secrets));
    }
    this.scheduleFlush();
  }

  /** The last `n` lines (n clamped to 1..2000). */
  tail(n: number): string[] {
    const count = Math.min(LOG_TAIL_LINES, Math.max(1, Math.floor(n)));
    return this.lines.slice(-count);
  }

  /**
   * Call before (re-)following the runtime's log: returns the Unix second to pass as `since=`
   * (undefined for a fresh run) and drops the lines the new stream repeats up to the last one stored.
   */
  resumeSinceUnixSeconds(): number | undefined {
    this.dedupeBefore = this.posNanos;
    return this.posNanos === null ? undefined : Number(this.posNanos / 1_000_000_000n);
  }

  /** The last raw runtime timestamp seen. */
  lastTimestamp(): string | null {
    return this.posRaw;
  }

  /** The whole run (overflow part, then active part) as a stream. */
  download(): Readable {
    this.flush();
    return this.file.download();
  }

  /** Writes pending lines and the position sidecar now. */
  flush(): void {
    if (this.pending.length > 0) {
      this.file.append(`${this.pending.join('\n')}\n`);
      this.pending = [];
    }
    if (this.pendingPos !== null) {
      this.file.writePos(this.pendingPos);
      this.pendingPos = null;
    }
  }

  private keep(line: string): void {
    this.lines.push(line);
    if (this.lines.length > LOG_TAIL_LINES * 2) this.lines = this.lines.slice(-LOG_TAIL_LINES);
    this.pending.push(line);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Batches the lines of one burst into a single append.
    setImmediate(() => {
      this.flushScheduled = false;
      try {
        this.flush();
      } catch (err) {
        // A full disk must not take the agent down; the lines stay in the in-memory tail.
        this.pending = [];
        this.onWriteError(err);
      }
    });
  }
}
