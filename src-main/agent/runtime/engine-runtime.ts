import type {
  ContainerInfo,
  ContainerRuntime,
  ImageDetails,
  ImageSummary,
  LaunchSpec,
  PullProgress,
  RawLogLine,
  RuntimeInfo,
  RuntimeName,
} from './container-runtime.js';
import { EngineApi, errorFrom } from './engine-api.js';
import { CDI_SPEC_DIRS, assertPodmanCanPassGpus, buildCreateBody } from './engine-create-spec.js';
import { labelFilterParam } from './engine-filters.js';
import { ensureImage, imageDetails, listImages, removeImage } from './engine-images.js';
import { type InspectBody, toContainerInfo } from './engine-inspect.js';
import { LogDemuxer, parseTimestampedLine } from './log-demux.js';
import { RuntimeError } from './runtime-error.js';

export interface EngineRuntimeOptions {
  /** The runtime this socket was configured as; the engine behind it may differ (see `info`). */
  name: Exclude<RuntimeName, 'process'>;
  socketPath: string;
  /** Where to look for NVIDIA CDI specs before passing GPUs through Podman. */
  cdiDirs?: readonly string[];
}

/** Docker or Podman driven through the Engine API on a unix socket. */
export class EngineRuntime implements ContainerRuntime {
  readonly name: Exclude<RuntimeName, 'process'>;
  readonly api: EngineApi;
  private readonly cdiDirs: readonly string[];

  constructor(opts: EngineRuntimeOptions) {
    this.name = opts.name;
    this.api = new EngineApi(opts.socketPath);
    this.cdiDirs = opts.cdiDirs ?? CDI_SPEC_DIRS;
  }

  async ping(): Promise<boolean> {
    try {
      await this.api.identify();
      return true;
    } catch {
      return false;
    }
  }

  async info(): Promise<RuntimeInfo> {
    const id = await this.api.identify();
    return {
      kind: id.isPodman ? 'podman' : 'docker',
      version: id.version,
      apiVersion: id.apiVersion,
    };
  }

  ensureImage(
    ref: string,
    opts: { mutable: boolean; onProgress?: (p: PullProgress) => void; signal?: AbortSignal },
  ): Promise<{ imageId: string; digest: string | null }> {
    return ensureImage(this.api, ref, opts);
  }

  listImages(): Promise<ImageSummary[]> {
    return listImages(this.api);
  }

  inspectImage(ref: string): Promise<ImageDetails | null> {
    return imageDetails(this.api, ref);
  }

  removeImage(ref: string): Promise<void> {
    return removeImage(this.api, ref);
  }

  async run(spec: LaunchSpec): Promise<ContainerInfo> {
    const id = await this.api.identify();
    if (spec.passGpus && id.isPodman) assertPodmanCanPassGpus(id.version, this.cdiDirs);
    const body = buildCreateBody(spec, id.isPodman);
    await this.remove(spec.name);
    let created = await this.create(spec.name, body);
    if (created === null) {
      // Someone recreated the name between our remove and create: remove once more, then insist.
      await this.remove(spec.name);
      created = await this.create(spec.name, body);
      if (created === null)
        throw new RuntimeError(
          'conflict',
          `container name ${spec.name} is in use and could not be freed`,
        );
    }
    const start = await this.api.call(`/containers/${created}/start`, {
      method: 'POST',
      accept: [304, 404, 500],
    });
    if (start.status >= 400) {
      const err = await errorFrom(start, `start ${spec.name}`);
      await this.remove(created);
      throw new RuntimeError('internal', `Failed to start container ${spec.name}: ${err.message}`);
    }
    await start.body.dump();
    const info = await this.inspect(created);
    if (!info)
      throw new RuntimeError('internal', `container ${spec.name} vanished right after it started`);
    return info;
  }

  /** Returns the new id, or null on a name conflict. */
  private async create(name: string, body: unknown): Promise<string | null> {
    const res = await this.api.call('/containers/create', {
      method: 'POST',
      query: { name },
      json: body,
      accept: [409],
    });
    if (res.status === 409) {
      await res.body.dump();
      return null;
    }
    const { Id } = (await res.body.json()) as { Id: string };
    return Id;
  }

  async inspect(id: string): Promise<ContainerInfo | null> {
    const b = await this.api.json<InspectBody>(`/containers/${encodeURIComponent(id)}/json`, {
      accept: [404],
    });
    return b ? toContainerInfo(b, this.name) : null;
  }

  async list(labels: string[]): Promise<ContainerInfo[]> {
    const filters = labels.length > 0 ? labelFilterParam(labels) : undefined;
    const rows =
      (await this.api.json<{ Id: string }[]>('/containers/json', {
        query: { all: true, filters },
      })) ?? [];
    // List rows lack restart count, pid and start time, so each is inspected (agents run few containers).
    const infos = await Promise.all(rows.map((r) => this.inspect(r.Id)));
    return infos.filter((i): i is ContainerInfo => i !== null);
  }

  async stop(id: string, graceSeconds: number): Promise<void> {
    const t = Math.max(0, Math.ceil(graceSeconds));
    const res = await this.api.call(`/containers/${encodeURIComponent(id)}/stop`, {
      method: 'POST',
      query: { t },
      accept: [304, 404],
      headersTimeoutMs: (t + 60) * 1000,
    });
    await res.body.dump();
  }

  async remove(id: string): Promise<void> {
    const res = await this.api.call(`/containers/${encodeURIComponent(id)}`, {
      method: 'DELETE',
      query: { force: true, v: true },
      accept: [404],
      headersTimeoutMs: 120_000,
    });
    await res.body.dump();
  }

  async *logs(
    id: string,
    opts: { follow: boolean; tail?: number; sinceUnixSeconds?: number; signal?: AbortSignal },
  ): AsyncIterable<RawLogLine> {
    const c = await this.api.json<InspectBody>(`/containers/${encodeURIComponent(id)}/json`, {
      accept: [404],
    });
    if (!c) throw new RuntimeError('not_found', `container ${id} not found`);
    let res;
    try {
      res = await this.api.call(`/containers/${encodeURIComponent(id)}/logs`, {
        query: {
          stdout: 1,
          stderr: 1,
          timestamps: 1,
          follow: opts.follow ? 1 : 0,
          tail: opts.tail ?? 'all',
          since: opts.sinceUnixSeconds,
        },
        bodyTimeoutMs: opts.follow ? 0 : 60_000,
        signal: opts.signal,
      });
    } catch (err) {
      if (opts.signal?.aborted) return;
      throw err;
    }
    const ctype = String(res.headers['content-type'] ?? '');
    const raw =
      ctype.includes('raw-stream') || (!ctype.includes('multiplexed') && c.Config?.Tty === true);
    const demux = new LogDemuxer(raw, true);
    const now = (): string => new Date().toISOString();
    try {
      for await (const chunk of res.body) {
        for (const l of demux.push(chunk as Buffer)) yield parseTimestampedLine(l, now());
      }
      for (const l of demux.flush()) yield parseTimestampedLine(l, now());
    } catch (err) {
      if (!opts.signal?.aborted) throw err;
    } finally {
      res.body.destroy();
    }
  }

  /** Closes the socket pool. */
  close(): Promise<void> {
    return this.api.close();
  }
}
