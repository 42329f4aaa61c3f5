import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

const StateSchema = z.object({
  version: z.literal(1),
  /** Env values per deployment key: they never go into labels, so adoption reads them here. */
  env: z.record(z.string(), z.record(z.string(), z.string())).default({}),
  /** Values of secret launch flags (`--api-key …`) per key: labels and manifests hold them masked. */
  arg_secrets: z.record(z.string(), z.array(z.string())).default({}),
  /** Agent-side deadlines granted after launch (extend), which the launch label cannot know. */
  expires: z.record(z.string(), z.string().nullable()).default({}),
  /** Keys whose current run was ready once: the crash-loop breaker spares them after a restart too. */
  ever_ready: z.array(z.string()).default([]),
  /** Pins set after launch (`/deployments/pin`, `/config`), which the launch label cannot know. */
  pins: z.record(z.string(), z.boolean()).default({}),
  /** Keys whose stop was acknowledged and is not finished yet: the next agent finishes them. */
  stopping: z.array(z.string()).default([]),
  /**
   * The pause tier of each paused deployment: `/is_sleeping` says only that vLLM sleeps, not at
   * which level, so an agent restart reads the tier here.
   */
  tiers: z.record(z.string(), z.enum(['ram', 'disk'])).default({}),
  policy: z
    .object({
      warm_offload_enabled: z.boolean(),
      ram_cache_limit_mb: z.number().nullable(),
      busy_guard_seconds: z.number(),
    })
    .nullable()
    .default(null),
});
export type AgentState = z.infer<typeof StateSchema>;

const EMPTY: AgentState = {
  version: 1,
  env: {},
  arg_secrets: {},
  expires: {},
  ever_ready: [],
  pins: {},
  stopping: [],
  tiers: {},
  policy: null,
};

/**
 * The agent's private state file `<data-dir>/state.json`, mode 0600 because it holds env values
 * (HF tokens). Writes are atomic (temp file + rename) so a crash never leaves half a file.
 */
export class StateFile {
  readonly path: string;
  private state: AgentState;

  constructor(path: string) {
    this.path = path;
    this.state = StateFile.read(this.path);
  }

  private static read(path: string): AgentState {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return structuredClone(EMPTY);
    }
    const parsed = StateSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : structuredClone(EMPTY);
  }

  get(): Readonly<AgentState> {
    return this.state;
  }

  envFor(key: string): Record<string, string> {
    return { ...(this.state.env[key] ?? {}) };
  }

  /** Values of the secret launch flags of `key`. */
  argSecretsOf(key: string): string[] {
    return [...(this.state.arg_secrets[key] ?? [])];
  }

  update(mutate: (s: AgentState) => void): void {
    mutate(this.state);
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(this.state)}\n`, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.path);
  }

  /** True when the current run of `key` was ready at least once. */
  wasReady(key: string): boolean {
    return this.state.ever_ready.includes(key);
  }

  /** Records that the current run of `key` became ready (once per run). */
  markReady(key: string): void {
    if (this.wasReady(key)) return;
    this.update((s) => {
      s.ever_ready.push(key);
    });
  }

  /** The pin of `key` set after launch, or undefined when only the launch decided it. */
  pinOf(key: string): boolean | undefined {
    return this.state.pins[key];
  }

  /** The pause tier recorded for `key`, or undefined when it is not paused (or was paused before tiers were recorded). */
  tierOf(key: string): 'ram' | 'disk' | undefined {
    return this.state.tiers[key];
  }

  /** Records the pause tier of `key` (null: awake). Written only when it changes. */
  setTier(key: string, tier: 'ram' | 'disk' | null): void {
    if ((this.state.tiers[key] ?? null) === tier) return;
    this.update((s) => {
      if (tier === null) delete s.tiers[key];
      else s.tiers[key] = tier;
    });
  }

  /**
   * A fresh run of `key`: its env and secret flag values, and nothing left of an earlier run
   * (deadline, pin, readiness).
   */
  startRun(key: string, env: Record<string, string>, argSecrets: readonly string[]): void {
    this.update((s) => {
      s.env[key] = env;
      clearRun(s, key);
      if (argSecrets.length > 0) s.arg_secrets[key] = [...argSecrets];
    });
  }

  /** Forgets everything about `key` (its deployment is over). */
  forget(key: string): void {
    const s = this.state;
    const held = [s.env, s.arg_secrets, s.expires, s.pins, s.tiers].some((m) => key in m);
    if (!held && !this.wasReady(key) && !s.stopping.includes(key)) return;
    this.update((st) => {
      delete st.env[key];
      clearRun(st, key);
    });
  }

  /** Records that the stop of `key` was acknowledged, before anything of it happens. */
  markStopping(key: string): void {
    if (this.state.stopping.includes(key)) return;
    this.update((s) => {
      s.stopping.push(key);
    });
  }
}

function clearRun(s: AgentState, key: string): void {
  delete s.arg_secrets[key];
  delete s.expires[key];
  delete s.pins[key];
  delete s.tiers[key];
  s.ever_ready = s.ever_ready.filter((k) => k !== key);
  s.stopping = s.stopping.filter((k) => k !== key);
}
