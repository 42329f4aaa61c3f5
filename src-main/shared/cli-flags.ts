import { z } from 'zod';

/** One command-line flag: `--name VALUE` (or a bare boolean `--name`), also read from `env`. */
export interface FlagSpec {
  name: string;
  env: string;
  boolean?: boolean;
  help: string;
}

export interface ParsedFlags {
  values: Record<string, string | boolean>;
  problems: string[];
}

const camel = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * Reads flags > environment for each spec. Unknown flags and missing values become problems
 * (every one is collected, none thrown), so a bad start-up can list them all at once.
 */
export function readFlags(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  specs: readonly FlagSpec[],
): ParsedFlags {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const values: Record<string, string | boolean> = {};
  const problems: string[] = [];
  for (const spec of specs) {
    const raw = env[spec.env];
    if (raw === undefined || raw === '') continue;
    if (spec.boolean) {
      if (/^(1|true|yes|on)$/i.test(raw)) values[camel(spec.name)] = true;
      else if (/^(0|false|no|off)$/i.test(raw)) values[camel(spec.name)] = false;
      else problems.push(`${spec.env}: expected true or false, got '${raw}'`);
    } else values[camel(spec.name)] = raw;
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) {
      problems.push(`unexpected argument '${arg}'`);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const spec = byName.get(name);
    if (!spec) {
      problems.push(`unknown flag --${name}`);
      continue;
    }
    if (spec.boolean) {
      if (eq !== -1) {
        const v = arg.slice(eq + 1);
        values[camel(name)] = !/^(0|false|no|off)$/i.test(v);
      } else values[camel(name)] = true;
      continue;
    }
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        value = next;
        i++;
      }
    }
    if (value === undefined) problems.push(`--${name} needs a value`);
    else values[camel(name)] = value;
  }
  return { values, problems };
}

/** Turns zod issues into `--flag: message` lines, naming the flag and its env variable. */
export function describeIssues(
  issues: readonly z.core.$ZodIssue[],
  specs: readonly FlagSpec[],
): string[] {
  return issues.map((issue) => {
    const key = String(issue.path[0] ?? '');
    const spec = specs.find((s) => camel(s.name) === key);
    const where = spec ? `--${spec.name} (${spec.env})` : key || 'config';
    return `${where}: ${issue.message}`;
  });
}

/** A usage text listing each flag with its env variable. */
export function formatHelp(usage: string, specs: readonly FlagSpec[]): string {
  const width = Math.max(...specs.map((s) => s.name.length + (s.boolean ? 0 : 6)));
  const lines = specs.map((s) => {
    const flag = `--${s.name}${s.boolean ? '' : ' VALUE'}`.padEnd(width + 3);
    return `  ${flag} ${s.help} [${s.env}]`;
  });
  return `${usage}\n\nOptions:\n${lines.join('\n')}\n`;
}

/** A secret given as a flag (cluster or admin token): 16–256 printable ASCII characters. */
export const tokenFlag = z
  .string()
  .min(16, 'must be at least 16 characters')
  .max(256, 'must be at most 256 characters')
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

/** An http(s) URL flag, without a trailing slash. */
export const httpUrlFlag = z
  .string()
  .url('must be a URL')
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL')
  .transform((u) => u.replace(/\/+$/, ''));

/** A whole-number flag in [min, max] (flags arrive as strings). */
export const wholeNumberFlag = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be ${min}–${max}`).max(max, `must be ${min}–${max}`));
