// Secret values never reach the agent's logs, labels or status entries (DESIGN.md §7, §12.10;
// behaviour.md §2.11): env values and the values of secret-looking vLLM flags.

/** Name parts that make an env var or a flag secret, as whole words (`HF_TOKEN`, `--api-key`). */
const SECRET_WORDS = new Set([
  'TOKEN',
  'SECRET',
  'KEY',
  'APIKEY',
  'PASSWORD',
  'PASSWD',
  'CREDENTIAL',
  'CREDENTIALS',
]);

/**
 * True when a name reads as a secret: one of its words (split at `_`, `-`, `.` and camelCase) is
 * TOKEN, SECRET, KEY, PASSWORD…. Whole words, so `AERIE_SIM_TOKENS_PER_S`, `--tokenizer` and
 * `--ssl-keyfile` (a path) are not secrets.
 */
export function isSecretName(name: string): boolean {
  const words = name
    .replace(/^-+/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .split(/[^A-Za-z0-9]+/);
  return words.some((w) => SECRET_WORDS.has(w.toUpperCase()));
}

/** True when an env var's value is a secret by its name (`HF_TOKEN`, `AWS_SECRET_ACCESS_KEY`, …). */
export function isSecretEnvKey(key: string): boolean {
  return isSecretName(key);
}

/** The masked display of a secret: ≤8 characters become all `*`, longer ones `abcd...wxyz`. */
export function maskSecret(value: string): string {
  return value.length <= 8 ? '*'.repeat(value.length) : `${value.slice(0, 4)}...${value.slice(-4)}`;
}

/** The values of secret-named env vars (the strings to scrub from every log line). */
export function secretValues(env: Readonly<Record<string, string>>): string[] {
  return Object.entries(env)
    .filter(([k, v]) => isSecretEnvKey(k) && v !== '')
    .map(([, v]) => v);
}

/** `K=V` pairs for the launch log line, secret values masked. */
export function describeEnv(env: Readonly<Record<string, string>>): string {
  return Object.entries(env)
    .map(([k, v]) => `${k}=${isSecretEnvKey(k) ? maskSecret(v) : v}`)
    .join(' ');
}

/**
 * Walks a command line: the values after a secret-named flag (`--flag v1 v2`, `--flag=value`)
 * go to `onSecret`, which returns what to put in its place.
 */
function mapSecretArgs(args: readonly string[], onSecret: (value: string) => string): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    const eq = a.indexOf('=');
    if (a.startsWith('-') && eq > 0 && isSecretName(a.slice(0, eq))) {
      out.push(`${a.slice(0, eq + 1)}${onSecret(a.slice(eq + 1))}`);
      continue;
    }
    out.push(a);
    if (!(a.startsWith('-') && eq === -1 && isSecretName(a))) continue;
    // Every value up to the next flag: `--api-key` takes several keys (nargs='+'). A value that
    // is itself a flag means the secret flag had none.
    while (i + 1 < args.length && !(args[i + 1] ?? '').startsWith('--')) {
      out.push(onSecret(args[i + 1] ?? ''));
      i++;
    }
  }
  return out;
}

/** The command line with the values of secret-named flags (`--api-key sk-…`) masked. */
export function maskSecretArgs(args: readonly string[]): string[] {
  return mapSecretArgs(args, (v) => (v === '' ? v : maskSecret(v)));
}

/** The values of secret-named flags (the strings to scrub from every log line). */
export function secretArgValues(args: readonly string[]): string[] {
  const found: string[] = [];
  mapSecretArgs(args, (v) => {
    if (v !== '') found.push(v);
    return v;
  });
  return found;
}

// Very short values (e.g. "1") would mangle unrelated text if scrubbed everywhere; such values are
// only masked where they appear as env assignments, in the launch line.
const MIN_SCRUB_LENGTH = 4;

/** Replaces every occurrence of each secret in `text` with its masked form. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (s.length >= MIN_SCRUB_LENGTH && out.includes(s)) out = out.split(s).join(maskSecret(s));
  }
  return out;
}
