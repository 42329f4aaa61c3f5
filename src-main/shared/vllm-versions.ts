// What differs between vLLM releases where the agent or the simulator can see it: flags a release
// no longer accepts, `/sleep` semantics, start-up wording and metric families. One table, read by
// the simulator (to imitate a line) and by the agent (to build and check a launch for its target).
// Sources: interfaces.md §1.7, §2, §3.3 and the vLLM PRs named below.

/** The release lines the table distinguishes: the 0.10–0.12 line (0.11) and current releases. */
export type VllmLine = '0.11' | 'current';

/** What a `/sleep` does to requests that are still running. */
export type SleepInFlight = 'crash-engine' | 'abort-and-queue';

/** One release line as a client sees it. */
export interface VllmProfile {
  line: VllmLine;
  /** The release a simulator of this line reports when no version is given. */
  version: string;
  /** `/sleep` takes `mode=abort|wait|keep` (default `abort`, PR #34528); 0.11 ignores the parameter. */
  sleepModes: boolean;
  /**
   * 0.11 has no guard: a sleep with requests in flight crashes the engine (vLLM issue #45520).
   * Current releases pause the scheduler first: running requests are aborted (or drained with
   * `mode=wait`) and requests that arrive while asleep are queued until the wake-up.
   */
  sleepInFlight: SleepInFlight;
  /** The start-up line that names the address, before uvicorn's "Application startup complete.". */
  serverStartLine(host: string, port: number): string;
  /** The label of the start-up line that lists the tasks (`Supported_tasks: ['generate']`). */
  supportedTasksLabel: string;
  /** How the free-memory check names the device: `device` (0.11) or `device cuda:0`. */
  freeMemoryDevice: string;
  /** Metric families this line does not expose (the simulator leaves them out). */
  absentMetrics: readonly string[];
  /** The 400 message for a prompt plus `max_tokens` above the context (`where`: messages or prompt). */
  maxTokensMessage(limit: number, promptTokens: number, maxTokens: number, where: string): string;
}

/** The inter-token latency histogram under its old and its new name. */
export const ITL_METRICS = [
  'vllm:time_per_output_token_seconds',
  'vllm:inter_token_latency_seconds',
] as const;
/** The sleep-state gauge current releases add (`sleep_state` label, value 1 on the current one). */
export const SLEEP_STATE_METRIC = 'vllm:engine_sleep_state';

const LINE_0_11: VllmProfile = {
  line: '0.11',
  version: '0.11.0',
  sleepModes: false,
  sleepInFlight: 'crash-engine',
  serverStartLine: (host, port) => `Starting vLLM API server 0 on http://${host}:${port}`,
  supportedTasksLabel: 'Supported_tasks:',
  freeMemoryDevice: 'device',
  absentMetrics: [SLEEP_STATE_METRIC],
  maxTokensMessage: (limit, prompt, max, where) =>
    `This model's maximum context length is ${limit} tokens. However, you requested ${prompt + max} tokens (${prompt} in the ${where}, ${max} in the completion). Please reduce the length of the ${where} or completion.`,
};

const LINE_CURRENT: VllmProfile = {
  line: 'current',
  version: '0.29.0',
  sleepModes: true,
  sleepInFlight: 'abort-and-queue',
  serverStartLine: (host, port) => `Starting vLLM server on http://${host}:${port}`,
  supportedTasksLabel: 'Supported tasks:',
  freeMemoryDevice: 'device cuda:0',
  // Deprecated for inter_token_latency_seconds and removed by PR #29330.
  absentMetrics: ['vllm:time_per_output_token_seconds'],
  maxTokensMessage: (limit, prompt, max) =>
    `'max_tokens' or 'max_completion_tokens' is too large: ${max}. This model's maximum context length is ${limit} tokens and your request has ${prompt} input tokens (${max} > ${limit} - ${prompt}).`,
};

/** Every line, oldest first. */
export const VLLM_LINES: readonly VllmProfile[] = [LINE_0_11, LINE_CURRENT];
/** The newest line: what `latest`, `nightly`, a commit or an unknown tag is taken to be. */
export const LATEST_LINE: VllmProfile = LINE_CURRENT;
/** The first release of the current line (the first without `--task`). */
const CURRENT_LINE_FROM = '0.13.0';

/** A flag some release removed; from that release on, argparse answers "unrecognized arguments". */
export interface RemovedFlag {
  flag: string;
  /** The structured `engine_args` key that emits it, when there is one. */
  engineArg: string | null;
  removedIn: string;
  /** What the operator should do instead. */
  advice: string;
}

/** Flags removed from `vllm serve`, by the release that removed them. */
export const REMOVED_FLAGS: readonly RemovedFlag[] = [
  {
    flag: '--max-seq-len-to-capture',
    engineArg: null,
    removedIn: '0.11.0',
    advice: 'drop it; CUDA graph sizes follow --max-num-seqs and the compilation config',
  },
  {
    flag: '--task',
    engineArg: null,
    removedIn: '0.13.0',
    advice: 'use --runner pooling (or --convert embed) for an embedding model, or drop it',
  },
  {
    flag: '--swap-space',
    engineArg: 'swap_space',
    removedIn: '0.18.0',
    advice: 'drop it; the V1 engine never used CPU swap space',
  },
];

type Release = readonly [number, number, number];

/** `0.11.0`, `v0.10.1.1`, `0.12` → numbers; null for `latest`, `nightly`, a commit or another tag. */
export function parseRelease(version: string | null | undefined): Release | null {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec((version ?? '').trim());
  if (!m) return null;
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

function before(a: Release, b: Release): boolean {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
  return false;
}

const releaseOf = (v: string): Release => parseRelease(v) ?? [0, 0, 0];

/** The line a version belongs to; anything that names no release is taken as the newest line. */
export function vllmProfile(version: string | null | undefined): VllmProfile {
  const r = parseRelease(version);
  if (r === null) return LATEST_LINE;
  return before(r, releaseOf(CURRENT_LINE_FROM)) ? LINE_0_11 : LINE_CURRENT;
}

/** True when `version` still accepts `flag` (a long flag, `--name`); unknown versions are the newest. */
export function acceptsFlag(version: string | null | undefined, flag: string): boolean {
  const removed = REMOVED_FLAGS.find((f) => f.flag === flag);
  if (!removed) return true;
  const r = parseRelease(version);
  return r !== null && before(r, releaseOf(removed.removedIn));
}

/** The long flag a command-line token names (`--max_model_len=4` → `--max-model-len`), or null. */
export function flagOfToken(token: string): string | null {
  if (!token.startsWith('--') || token === '--') return null;
  const eq = token.indexOf('=');
  return (eq === -1 ? token : token.slice(0, eq)).replace(/_/g, '-');
}

/** The removed flags among `args` that `version` does not accept, each once, in order. */
export function unacceptedFlags(
  version: string | null | undefined,
  args: readonly string[],
): RemovedFlag[] {
  const out: RemovedFlag[] = [];
  for (const a of args) {
    const flag = flagOfToken(a);
    const removed = flag === null ? undefined : REMOVED_FLAGS.find((f) => f.flag === flag);
    if (removed && !acceptsFlag(version, removed.flag) && !out.includes(removed)) out.push(removed);
  }
  return out;
}

/** How a version is named in messages: the release, or the tag and the line it is taken as. */
export function describeVersion(version: string | null | undefined): string {
  const v = (version ?? '').trim();
  if (parseRelease(v) !== null) return `vLLM ${v.replace(/^v/, '')}`;
  return `vLLM ${v === '' ? 'latest' : v} (taken as the newest line, ${LATEST_LINE.version})`;
}

/** The operator-facing sentence for removed flags: which, since when, what to do. */
export function removedFlagsMessage(
  version: string | null | undefined,
  flags: readonly RemovedFlag[],
): string {
  const parts = flags.map((f) => `${f.flag} (removed in ${f.removedIn}: ${f.advice})`);
  return `${describeVersion(version)} does not accept ${parts.join('; ')}.`;
}
