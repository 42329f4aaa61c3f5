import { SMALL_DERIVED_MAX_MODEL_LEN } from './config-fault-lines.js';
import { faultOf, type SimFault } from './fault-lines.js';
import type { ServeArgs } from './serve-args.js';
import type { SimOptions } from './sim-options.js';
import { type ModelSizing, sizeModel } from './startup.js';
import { type LogStreams, VllmLog } from './vllm-log.js';

const EMBEDDING_NAME = /embed|bge|(^|[/-])e5-|gte-|minilm|nomic/i;
const DEFAULT_MAX_MODEL_LEN = 32_768;
/** The longest context a simulated model's config allows (a 128k model); `fault/max-model-len` has less. */
const DERIVED_MAX_MODEL_LEN = 131_072;

/** What a run derives from its command line and environment before it starts; fixed for the run. */
export interface ServePlan {
  args: ServeArgs;
  options: SimOptions;
  log: VllmLog;
  /** `--host`, or every interface. */
  host: string;
  fault: SimFault | null;
  sizing: ModelSizing;
  maxModelLen: number;
  /** The longest context the model's config allows; a longer `--max-model-len` fails at start. */
  derivedMaxModelLen: number;
  /** A pooling (embedding) model: by `--runner pooling`, or guessed from the model name. */
  pooling: boolean;
}

/** The plan of a run with these flags and knobs, logging to `streams`. */
export function planServe(args: ServeArgs, options: SimOptions, streams: LogStreams): ServePlan {
  const fault = faultOf(args.model);
  const derived = fault === 'max-model-len' ? SMALL_DERIVED_MAX_MODEL_LEN : DERIVED_MAX_MODEL_LEN;
  return {
    args,
    options,
    log: new VllmLog(streams, process.pid, !args.disableAccessLog),
    host: args.host ?? '0.0.0.0',
    fault,
    sizing: sizeModel(args, options.gpuMemGib),
    maxModelLen: args.maxModelLen ?? Math.min(derived, DEFAULT_MAX_MODEL_LEN),
    derivedMaxModelLen: derived,
    pooling: args.runner === 'pooling' || (args.runner === null && EMBEDDING_NAME.test(args.model)),
  };
}
