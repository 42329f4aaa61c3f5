/** Names of the runtimes the agent can drive. */
export type RuntimeName = 'docker' | 'podman' | 'process';

/** A bind mount into the container. */
export interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
}

/** Everything needed to start one vLLM server (a container, or a simulator process). */
export interface LaunchSpec {
  /** Container name, e.g. `aerie-Qwen-Qwen3-8B-8001`. */
  name: string;
  /** Full image reference, e.g. `vllm/vllm-openai:v0.11.0` (ignored by the process runtime). */
  image: string;
  /** Arguments after the image's entrypoint: exactly what `vllm serve` gets. */
  args: string[];
  /** Environment, values included (never logged, never put in labels). */
  env: Record<string, string>;
  labels: Record<string, string>;
  /** GPU indices to pass; null = all. Ignored when `passGpus` is false (simulated GPUs). */
  gpuIds: number[] | null;
  passGpus: boolean;
  mounts: Mount[];
  /** Restart the server whenever it exits, a clean 0 too, until stopped (Docker's `unless-stopped`). */
  restartUnlessStopped: boolean;
}

export type ContainerState =
  'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

/** What a runtime reports about one container (or simulator process). */
export interface ContainerInfo {
  /** Full id (64 hex for engines; `proc-<pid>-…` for processes). */
  id: string;
  name: string;
  image: string;
  imageId: string | null;
  labels: Record<string, string>;
  state: ContainerState;
  /**
   * Code of the last run that ended, or null when none has (or the engine no longer says: Docker
   * and Podman reset it when the container runs again; the process runtime keeps it).
   */
  exitCode: number | null;
  restartCount: number;
  /** Host PID of the main process while running. */
  pid: number | null;
  startedAt: string | null;
  runtime: RuntimeName;
}

/** One log line as the runtime delivered it, before the agent formats it. */
export interface RawLogLine {
  /** RFC 3339 (nano) timestamp from the runtime. */
  ts: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface PullProgress {
  phase: 'pulling image' | 'extracting image';
  downloadedMb: number;
  totalMb: number;
  percent: number;
}

/** Facts about the engine behind a runtime. */
export interface RuntimeInfo {
  /** What the socket really is (a "docker" socket may be Podman). */
  kind: RuntimeName;
  version: string;
  apiVersion: string;
}

/** One image of a runtime's store, as the image list reports it. */
export interface ImageSummary {
  /** Full hex id without the `sha256:` prefix (ids of the same image differ between stores). */
  id: string;
  /** Names as the engine reports them (Podman prefixes `localhost/` or `docker.io/`). */
  tags: string[];
  sizeBytes: number;
  labels: Record<string, string>;
}

/** An inspected image: the summary plus what identifies its content across stores. */
export interface ImageDetails extends ImageSummary {
  digests: string[];
  /** `RootFS.Layers`: digests of the uncompressed layers, the same in every store holding the image. */
  layers: string[];
}

/** One logical container engine: Docker or Podman over the Engine API, or local processes. */
export interface ContainerRuntime {
  readonly name: RuntimeName;
  /** True when the engine answers. Never throws. */
  ping(): Promise<boolean>;
  info(): Promise<RuntimeInfo>;
  /** Makes the image present (pulling when absent, or always for mutable tags); returns its id and digest. */
  ensureImage(
    ref: string,
    opts: { mutable: boolean; onProgress?: (p: PullProgress) => void; signal?: AbortSignal },
  ): Promise<{ imageId: string; digest: string | null }>;
  /** Creates and starts the container; a stale one with the same name is removed first. */
  run(spec: LaunchSpec): Promise<ContainerInfo>;
  /** Null when the container no longer exists. */
  inspect(id: string): Promise<ContainerInfo | null>;
  /** Containers (all states) carrying every given label (`key=value` or `key`). */
  list(labels: string[]): Promise<ContainerInfo[]>;
  /** Stops with a grace period, then kills. Idempotent. */
  stop(id: string, graceSeconds: number): Promise<void>;
  /** Removes (forcing when running). Idempotent: a missing container is not an error. */
  remove(id: string): Promise<void>;
  /** Every image of the store (the process runtime has none: an empty list, never an error). */
  listImages(): Promise<ImageSummary[]>;
  /** The image `ref` (tag or id) names; null when the store does not have it. */
  inspectImage(ref: string): Promise<ImageDetails | null>;
  /**
   * Removes the tag `ref` (only the tag while the image has others) or the untagged image with id
   * `ref`. RuntimeError 404 when it is not there, 409 when a container still needs it.
   */
  removeImage(ref: string): Promise<void>;
  /** Log lines; with `follow` it streams until the container stops or `signal` aborts. */
  logs(
    id: string,
    opts: { follow: boolean; tail?: number; sinceUnixSeconds?: number; signal?: AbortSignal },
  ): AsyncIterable<RawLogLine>;
}
