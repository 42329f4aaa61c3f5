import { formatHelp, type FlagSpec } from '../cli-flags.js';

export type ConfigLoad<C> = { ok: true; config: C } | { ok: false; problems: string[] };

/**
 * The common start of a subcommand: `--help` prints the usage (exit 0); an invalid configuration
 * prints every problem (exit 2); otherwise the validated config.
 */
export function startCommand<C>(
  program: string,
  usage: string,
  specs: readonly FlagSpec[],
  argv: readonly string[],
  load: () => ConfigLoad<C>,
): { config: C } | { exitCode: number } {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(formatHelp(usage, specs));
    return { exitCode: 0 };
  }
  const loaded = load();
  if (loaded.ok) return { config: loaded.config };
  const list = loaded.problems.map((p) => `  - ${p}`).join('\n');
  process.stderr.write(`${program}: invalid configuration:\n${list}\n`);
  return { exitCode: 2 };
}
