// Secret env values never reach the agent's logs (DESIGN.md §7, behaviour.md §2.11).

const SECRET_KEY = /TOKEN|SECRET|KEY|PASSWORD/i;

/** True when an env var's value is a secret by its name (`HF_TOKEN`, `AWS_SECRET_ACCESS_KEY`, …). */
export function isSecretEnvKey(key: string): boolean {
  return SECRET_KEY.test(key);
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
