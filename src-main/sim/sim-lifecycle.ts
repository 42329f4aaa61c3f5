import type { ServeArgs } from './serve-args.js';
import type { SimContext } from './sim-context.js';
import type { LoadPhase } from './startup.js';
import { type SimStatus, StateFile } from './state-file.js';
import type { VllmLog } from './vllm-log.js';

/** Where SIGTERM and SIGINT come from: the process, or an emitter in tests. */
type SignalSource = Pick<NodeJS.EventEmitter, 'on' | 'off'>;

/** What the status file says the server is doing: a load phase, then `dead` after an engine crash. */
export type SimPhase = LoadPhase | 'dead';

/**
 * One simulator run from start to exit: the phase and port the status file reports, the context
 * once the engine exists, and the way out. `exited` resolves once, with the exit code. While the
 * server serves, a signal stops it first and exits 0, an engine crash stops it and exits 1.
 */
export class SimLifecycle {
  phase: SimPhase = 'downloading';
  /** The `--port`, then the bound one once listening (they differ for `--port 0`). */
  port: number;
  /** Set once the engine exists; the status file reads sleep and queue state from it. */
  context: SimContext | null = null;
  readonly exited: Promise<number>;
  private finish: (code: number) => void = () => undefined;
  private ended = false;
  /** Closes the HTTP server; set while serving, taken by the first stop. */
  private stopServing: (() => Promise<void>) | null = null;
  private readonly state: StateFile;
  private signals: SignalSource | null = null;
  private readonly onSignal = () => this.signalled();

  constructor(
    private readonly args: ServeArgs,
    stateFile: string | null,
    private readonly log: VllmLog,
  ) {
    this.port = args.port;
    this.exited = new Promise<number>((resolve) => (this.finish = resolve));
    this.state = new StateFile(stateFile, () => this.status());
  }

  /** SIGTERM and SIGINT stop the run from now on (until it ends). */
  trapSignals(signals: SignalSource = process): void {
    this.signals = signals;
    signals.on('SIGTERM', this.onSignal);
    signals.on('SIGINT', this.onSignal);
  }

  /** Moves to `phase` and writes the status file at once. */
  setPhase(phase: SimPhase): void {
    this.phase = phase;
    this.state.writeNow();
  }

  /** Writes the status file now: for changes a reader must see before the HTTP answer. */
  writeStatus(): void {
    this.state.writeNow();
  }

  /** Notes a frequent change (running requests); the status file catches up debounced. */
  statusChanged(): void {
    this.state.changed();
  }

  /** The server listens: `stop` closes it when a signal or a crash ends the run. */
  serving(stop: () => Promise<void>): void {
    this.stopServing = stop;
  }

  /** The engine died: stop serving and exit 1. Nothing to do when a stop already runs. */
  exitAfterCrash(): void {
    void this.takeStop()?.().then(() => this.end(1));
  }

  /** Ends the run with `code`: no more signal handling, status file gone, log flushed. Once only. */
  end(code: number): void {
    if (this.ended) return;
    this.ended = true;
    this.signals?.off('SIGTERM', this.onSignal);
    this.signals?.off('SIGINT', this.onSignal);
    this.state.remove();
    this.log.flush();
    this.finish(code);
  }

  /** A signal exits 0: after closing the server, or at once when not serving (or already stopping). */
  private signalled(): void {
    const stop = this.takeStop();
    if (stop === null) this.end(0);
    else void stop().then(() => this.end(0));
  }

  private takeStop(): (() => Promise<void>) | null {
    const stop = this.stopServing;
    this.stopServing = null;
    return stop;
  }

  private status(): SimStatus {
    const { args, context: ctx } = this;
    return {
      pid: process.pid,
      port: this.port,
      model: args.model,
      served_model_name: args.servedModelNames[0] ?? args.model,
      phase: this.phase,
      sleeping: ctx?.sleep.sleeping ?? false,
      sleep_level: ctx?.sleep.sleeping ? ctx.sleep.level : null,
      gpu_memory_utilization: args.gpuMemoryUtilization,
      tensor_parallel_size: args.tensorParallelSize,
      running_requests: ctx?.engine.runningCount ?? 0,
      waiting_requests: ctx?.engine.waitingCount ?? 0,
      updated_at: new Date().toISOString(),
    };
  }
}
