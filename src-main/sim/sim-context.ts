import type { SimEngine } from './engine.js';
import { VllmError } from './http-io.js';
import type { LoraModule, ServeArgs } from './serve-args.js';
import type { SimOptions } from './sim-options.js';
import type { VllmLog } from './vllm-log.js';
import type { VllmMetrics } from './vllm-metrics.js';

/** Sleep state of the engine (interfaces.md §1.7). */
export interface SleepState {
  sleeping: boolean;
  level: number;
  /** Parts still asleep: `weights`, `kv_cache`; is_sleeping stays true until both woke. */
  asleepTags: Set<string>;
  /** A sleep or wake call is running (they take `sleepWakeMs`). */
  busy: boolean;
}

/** Everything the HTTP handlers share: parsed flags, knobs, engine, metrics, log and live state. */
export interface SimContext {
  args: ServeArgs;
  options: SimOptions;
  log: VllmLog;
  metrics: VllmMetrics;
  engine: SimEngine;
  maxModelLen: number;
  /** Weights per tensor-parallel rank, GiB (what a level-1 sleep offloads). */
  weightsGib: number;
  /** A pooling (embedding) model: generation APIs answer 400, embeddings work. */
  pooling: boolean;
  /** LoRA adapters by name, in load order. */
  loras: Map<string, LoraModule>;
  sleep: SleepState;
  /** The engine core died; /health answers 503 until the process exits. */
  dead: boolean;
  /** Kills the engine core with `cause` (a Python exception line) and shuts the server down. */
  crash(cause: string): void;
  /** Something the status file shows changed (sleep, running requests). */
  stateChanged(): void;
}

/** Where a request's `model` leads: the name to answer with, and the adapter if it named one. */
export interface ResolvedModel {
  name: string;
  lora: LoraModule | null;
}

/** Resolves a request's `model` like vLLM: a served name, a LoRA adapter, or 404. */
export function resolveModel(ctx: SimContext, requested: string | null): ResolvedModel {
  const base = ctx.args.servedModelNames[0] ?? ctx.args.model;
  if (requested === null || requested === '' || ctx.args.servedModelNames.includes(requested))
    return { name: base, lora: null };
  const lora = ctx.loras.get(requested);
  if (lora) return { name: lora.name, lora };
  throw new VllmError(404, 'NotFoundError', `The model \`${requested}\` does not exist.`);
}
