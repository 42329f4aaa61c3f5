import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

const StateSchema = z.object({
  version: z.literal(1),
  /** Env values per deployment key: they never go into labels, so adoption reads them here. */
  env: z.record(z.string(), z.record(z.string(), z.string())).default({}),
  /** Agent-side deadlines granted after launch (extend), which the launch label cannot know. */
  expires: z.record(z.string(), z.string().nullable()).default({}),
  /** Keys whose stop was acknowledged and is not finished yet: the next agent finishes them. */
  stopping: z.array(z.string()).default([]),
  policy: z
    .object({
      warm_offload_enabled: z.boolean(),
      ram_cache_limit_mb: z.number().nullable(),
      busy_guard_seconds: z.number(),
      pins: z.array(z.string()),
    })
    .nullable()
    .default(null),
});
export type AgentState = z.infer<typeof StateSchema>;

const EMPTY: AgentState = { version: 1, env: {}, expires: {}, stopping: [], policy: null };

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

  update(mutate: (s: AgentState) => void): void {
    mutate(this.state);
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(this.state)}\n`, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.path);
  }

  forget(key: string): void {
    const s0 = this.state;
    if (!(key in s0.env) && !(key in s0.expires) && !s0.stopping.includes(key)) return;
    this.update((s) => {
      delete s.env[key];
      delete s.expires[key];
      s.stopping = s.stopping.filter((k) => k !== key);
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
