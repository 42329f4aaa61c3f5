import { LATEST_LINE, vllmProfile, type VllmProfile } from '../shared/vllm-versions.js';

/**
 * What a generation request gets while the engine sleeps: 0.10–0.12 have no guard (`crash`);
 * current releases queue it until the wake-up (`hang`); `503` is a guard some proxies add.
 */
export type AsleepBehaviour = 'crash' | 'hang' | '503';

/** Simulator knobs read from the environment (DESIGN.md §1, interfaces.md §1.7 and §9). */
export interface SimOptions {
  /** Total simulated load time in seconds, split across downloading / loading weights / compiling. */
  loadS: number;
  /** Decode speed per request; 0 means instant (no simulated latency at all). */
  tokensPerS: number;
  ttftMs: number;
  /** Seconds after ready at which `fault/crash-after-ready` dies. */
  crashAfterS: number;
  stateFile: string | null;
  devMode: boolean;
  allowRuntimeLora: boolean;
  apiKey: string | null;
  asleep: AsleepBehaviour;
  /** Time a sleep or a wake-up takes, in ms. */
  sleepWakeMs: number;
  /** Error body shape: nested (v0.10.1+) or the older flat one. */
  flatErrors: boolean;
  /** `AERIE_SIM_VLLM_VERSION` (default the newest line's release): what `/version` reports. */
  vllmVersion: string;
  /** The release line the simulator imitates, from `vllmVersion` (shared/vllm-versions.ts). */
  profile: VllmProfile;
  /** `VLLM_ALLOW_LONG_MAX_MODEL_LEN=1`: a `--max-model-len` above the model's own is allowed. */
  allowLongMaxModelLen: boolean;
  /** Total memory of the simulated GPU in GiB, used for log lines and the KV cache size. */
  gpuMemGib: number;
  /**
   * `AERIE_SIM_SLEEP_HOST_RAM_MB`: host RAM allocated and touched on a level-1 sleep and released
   * on wake-up, the way vLLM keeps offloaded weights in host memory while it sleeps. Null (unset):
   * the offloaded weights' size (sleep-host-ram.ts); 0 holds nothing.
   */
  sleepHostRamMb: number | null;
  /** `HF_TOKEN` (or the older `HUGGING_FACE_HUB_TOKEN`) is set: the Hub answers a missing repo 404, else 401. */
  hfToken: boolean;
  /**
   * `AERIE_SIM_MAX_SLEEP_LEVEL` (default 2): a deeper `/sleep?level=` fails with a 500, as an
   * engine build that cannot drop its weights would; tests use it for the disk tier's fallback.
   */
  maxSleepLevel: number;
}

export interface OptionsOutcome {
  options: SimOptions;
  problems: string[];
}

type Env = Readonly<Record<string, string | undefined>>;

function number(env: Env, name: string, fallback: number, problems: string[], min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) {
    problems.push(`${name} must be a number >= ${min}, got '${raw}'`);
    return fallback;
  }
  return n;
}

const truthy = (v: string | undefined) => v !== undefined && /^(1|true|yes|on)$/i.test(v.trim());

/** Reads the simulator's environment; bad values are listed in `problems` (defaults used instead). */
export function readSimOptions(env: Env): OptionsOutcome {
  const problems: string[] = [];
  const vllmVersion = env.AERIE_SIM_VLLM_VERSION?.trim() || LATEST_LINE.version;
  const profile = vllmProfile(vllmVersion);
  // 0.10–0.12 crash on a request while asleep; current releases queue it until the wake-up.
  const asleepDefault: AsleepBehaviour =
    profile.sleepInFlight === 'crash-engine' ? 'crash' : 'hang';
  const asleepRaw = (env.AERIE_SIM_ASLEEP_REQUESTS ?? asleepDefault).trim();
  let asleep: AsleepBehaviour = asleepDefault;
  if (asleepRaw === 'crash' || asleepRaw === 'hang' || asleepRaw === '503') asleep = asleepRaw;
  else problems.push(`AERIE_SIM_ASLEEP_REQUESTS must be crash, hang or 503, got '${asleepRaw}'`);
  const options: SimOptions = {
    loadS: number(env, 'AERIE_SIM_LOAD_S', 2, problems),
    tokensPerS: number(env, 'AERIE_SIM_TOKENS_PER_S', 200, problems),
    ttftMs: number(env, 'AERIE_SIM_TTFT_MS', 20, problems),
    crashAfterS: number(env, 'AERIE_SIM_CRASH_AFTER_S', 20, problems),
    stateFile: env.AERIE_SIM_STATE_FILE?.trim() ? env.AERIE_SIM_STATE_FILE.trim() : null,
    devMode: env.VLLM_SERVER_DEV_MODE?.trim() === '1',
    allowRuntimeLora: truthy(env.VLLM_ALLOW_RUNTIME_LORA_UPDATING),
    apiKey: env.VLLM_API_KEY?.trim() ? env.VLLM_API_KEY.trim() : null,
    asleep,
    sleepWakeMs: number(env, 'AERIE_SIM_SLEEP_WAKE_MS', 200, problems),
    flatErrors: env.AERIE_SIM_ERROR_SHAPE?.trim() === 'flat',
    vllmVersion,
    profile,
    allowLongMaxModelLen: truthy(env.VLLM_ALLOW_LONG_MAX_MODEL_LEN),
    gpuMemGib: number(env, 'AERIE_SIM_GPU_MEM_GIB', 79.19, problems, 1),
    sleepHostRamMb: env.AERIE_SIM_SLEEP_HOST_RAM_MB?.trim()
      ? Math.floor(number(env, 'AERIE_SIM_SLEEP_HOST_RAM_MB', 0, problems))
      : null,
    hfToken: Boolean(env.HF_TOKEN?.trim() || env.HUGGING_FACE_HUB_TOKEN?.trim()),
    maxSleepLevel: Math.floor(number(env, 'AERIE_SIM_MAX_SLEEP_LEVEL', 2, problems)),
  };
  return { options, problems };
}
