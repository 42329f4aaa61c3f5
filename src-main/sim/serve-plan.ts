import { faultOf, type SimFault } from './fault-lines.js';
import type { ServeArgs } from './serve-args.js';
import type { SimOptions } from './sim-options.js';
import { type ModelSizing, sizeModel } from './startup.js';
import { type LogStreams, VllmLog } from './vllm-log.js';

const EMBEDDING_NAME = /embed|bge|(^|[/-])e5-|gte-|minilm|nomic/i;
const DEFAULT_MAX_MODEL_LEN = 32_768;

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
  /** A pooling (embedding) model: by `--runner pooling`, or guessed from the model name. */
  pooling: boolean;
}

/** The plan of a run with these flags and knobs, logging to `streams`. */
export function planServe(args: ServeArgs, options: SimOptions, streams: LogStreams): ServePlan {
  return {
    args,
    options,
    log: new VllmLog(streams, process.pid, !args.disableAccessLog),
    host: args.host ?? '0.0.0.0',
    fault: faultOf(args.model),
    sizing: sizeModel(args, options.gpuMemGib),
    maxModelLen: args.maxModelLen ?? DEFAULT_MAX_MODEL_LEN,
    pooling: args.runner === 'pooling' || (args.runner === null && EMBEDDING_NAME.test(args.model)),
  };
}
