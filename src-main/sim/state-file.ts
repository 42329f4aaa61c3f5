import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { errorMessage } from '../shared/errors.js';

/**
 * What the simulator tells simulated GPUs about itself (env AERIE_SIM_STATE_FILE). The agent's
 * simulated GPU provider reads it to make GPU memory follow the server: claimed from the loading
 * phase on, released while asleep, gone when the file is.
 */
export interface SimStatus {
  pid: number;
  port: number;
  model: string;
  served_model_name: string;
  /** downloading | loading_weights | compiling | ready | dead */
  phase: string;
  sleeping: boolean;
  sleep_level: number | null;
  gpu_memory_utilization: number;
  tensor_parallel_size: number;
  running_requests: number;
  waiting_requests: number;
  updated_at: string;
}

const DEBOUNCE_MS = 50;

/** Writes the status file atomically (temp file + rename), at once or debounced. */
export class StateFile {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly path: string | null,
    private readonly snapshot: () => SimStatus,
  ) {}

  /** Writes now: for changes a reader must see before the HTTP answer (sleep, wake, ready). */
  writeNow(): void {
    if (this.path === null) return;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const tmp = `${this.path}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, `${JSON.stringify(this.snapshot())}\n`);
      renameSync(tmp, this.path);
    } catch (err) {
      process.stderr.write(
        `aerie vllm-sim: cannot write AERIE_SIM_STATE_FILE ${this.path}: ${errorMessage(err)}\n`,
      );
    }
  }

  /** Coalesces frequent changes (running requests) into one write per debounce window. */
  changed(): void {
    if (this.path === null || this.timer !== null) return;
    this.timer = setTimeout(() => this.writeNow(), DEBOUNCE_MS);
    this.timer.unref();
  }

  /** Removes the file when the server goes away, so simulated GPUs free the memory. */
  remove(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.path !== null) rmSync(this.path, { force: true });
  }
}
