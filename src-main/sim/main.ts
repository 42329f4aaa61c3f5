import { SIM_FAULTS } from './fault-lines.js';
import { loadModel } from './load-model.js';
import { parseServeArgs, SERVE_USAGE, type ServeArgs } from './serve-args.js';
import { serveHttp } from './serve-http.js';
import { planServe } from './serve-plan.js';
import { SimLifecycle } from './sim-lifecycle.js';
import { readSimOptions, type SimOptions } from './sim-options.js';
import { type LogStreams, processStreams } from './vllm-log.js';

const HELP = `${SERVE_USAGE}

Start the simulated vLLM OpenAI-compatible server (aerie vllm-sim). Accepts the vllm serve
command line; speed and faults come from AERIE_SIM_* environment variables and reserved model
names (${SIM_FAULTS.map((f) => `fault/${f}`).join(', ')}).
`;

/**
 * `aerie vllm-sim <vllm serve args>`: a faithful stand-in for vLLM's OpenAI server. Resolves with
 * the process exit code: 2 for bad arguments, 1 for a start-up fault or an engine crash, 0 after
 * SIGTERM/SIGINT.
 */
export async function runVllmSim(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  streams: LogStreams = processStreams,
): Promise<number> {
  const { options, problems } = readSimOptions(env);
  const parsed = parseServeArgs(argv, options.vllmVersion);
  if (parsed.kind === 'help') {
    streams.write('stdout', HELP);
    return 0;
  }
  if (parsed.kind === 'error') {
    streams.write('stderr', `${SERVE_USAGE}\nvllm serve: error: ${parsed.message}\n`);
    return 2;
  }
  if (problems.length > 0) {
    streams.write(
      'stderr',
      `aerie vllm-sim: invalid environment:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`,
    );
    return 2;
  }
  return serve(parsed.args, options, streams);
}

/** One run: plan it from the flags, load the model, serve until a signal or a crash ends it. */
async function serve(args: ServeArgs, options: SimOptions, streams: LogStreams): Promise<number> {
  const plan = planServe(args, options, streams);
  const life = new SimLifecycle(args, options.stateFile, plan.log);
  life.trapSignals();
  if (await loadModel(plan, life)) await serveHttp(plan, life);
  return life.exited;
}
