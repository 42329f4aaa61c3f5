// Entry of the single-file simulator bundle (out/sim/aerie-vllm-sim.mjs) for the container image:
// `node aerie-vllm-sim.mjs <vllm serve args>`, the same program as `aerie vllm-sim`.
import { runVllmSim } from './main.js';

process.exitCode = await runVllmSim(process.argv.slice(2));
process.exit();
