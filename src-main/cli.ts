import { AERIE_VERSION } from './shared/version.js';

const HELP = `aerie ${AERIE_VERSION} — control plane for a LAN fleet of vLLM GPU hosts

Usage:
  aerie serve    [options]           run the control plane (REST API, /v1 gateway, console)
  aerie agent    [options]           run the node agent on a GPU host
  aerie vllm-sim <vllm serve args>   run the vLLM simulator (same command line as vllm serve)
  aerie --version

Run 'aerie <command> --help' for a command's options.
`;

/** Entry of the `aerie` binary: dispatches to a subcommand and returns its exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve': {
      const { runServe } = await import('./serve-command.js');
      return runServe(rest);
    }
    case 'vllm-sim': {
      const { runVllmSim } = await import('./sim/main.js');
      return runVllmSim(rest);
    }
    case 'agent-shim': {
      // Hidden: the per-deployment monitor process of `--runtime process` (one argument, its config file).
      const { runShim } = await import('./agent/runtime/process-shim.js');
      return runShim(rest[0] ?? '');
    }
    case 'agent': {
      const { runAgent } = await import('./agent/main.js');
      return runAgent(rest);
    }
    case '--version':
    case '-v':
      process.stdout.write(`${AERIE_VERSION}\n`);
      return 0;
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(HELP);
      return 0;
    default:
      process.stderr.write(`aerie: unknown command '${command}'\n\n${HELP}`);
      return 2;
  }
}
