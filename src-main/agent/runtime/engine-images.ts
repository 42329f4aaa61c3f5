import type { ImageDetails, ImageSummary, PullProgress } from './container-runtime.js';
import type { EngineApi } from './engine-api.js';
import { errorFrom } from './engine-api.js';
import { splitImageRef } from './engine-filters.js';
import { PullProgressTracker, parsePullLine, pullError } from './pull-progress.js';
import { RuntimeError } from './runtime-error.js';

interface ImageBody {
  Id: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  Size?: number;
  Config?: { Labels?: Record<string, string> | null } | null;
  RootFS?: { Layers?: string[] | null } | null;
}

interface ImageListRow {
  Id: string;
  RepoTags?: string[] | null;
  Size?: number;
  Labels?: Record<string, string> | null;
}

const bareId = (id: string): string => id.replace(/^sha256:/, '');
// Older Docker lists an untagged image with the placeholder `<none>:<none>`.
const realTags = (tags: string[] | null | undefined): string[] =>
  (tags ?? []).filter((t) => !t.startsWith('<none>'));

/** Every image of the store, with sizes and labels (no layers: the list does not carry them). */
export async function listImages(api: EngineApi): Promise<ImageSummary[]> {
  const rows = (await api.json<ImageListRow[]>('/images/json', { query: { all: false } })) ?? [];
  return rows.map((r) => ({
    id: bareId(r.Id),
    tags: realTags(r.RepoTags),
    sizeBytes: r.Size ?? 0,
    labels: r.Labels ?? {},
  }));
}

/** Inspects `ref` with the content facts (layers, digests); null when the store lacks it. */
export async function imageDetails(api: EngineApi, ref: string): Promise<ImageDetails | null> {
  const b = await inspectImage(api, ref);
  if (!b) return null;
  return {
    id: bareId(b.Id),
    tags: realTags(b.RepoTags),
    sizeBytes: b.Size ?? 0,
    labels: b.Config?.Labels ?? {},
    digests: b.RepoDigests ?? [],
    layers: b.RootFS?.Layers ?? [],
  };
}

/** Untags `ref`, or deletes the image once it was its last name; RuntimeError 404 / 409 (in use). */
export async function removeImage(api: EngineApi, ref: string): Promise<void> {
  const res = await api.call(`/images/${encodeURIComponent(ref)}`, {
    method: 'DELETE',
    query: { force: false, noprune: false },
    accept: [404, 409],
    headersTimeoutMs: 300_000,
  });
  if (res.status >= 300) throw await errorFrom(res, `remove image ${ref}`);
  await res.body.dump();
}

/** Inspects an image; null when the engine does not have it. */
export async function inspectImage(api: EngineApi, ref: string): Promise<ImageBody | null> {
  return api.json<ImageBody>(`/images/${encodeURIComponent(ref)}/json`, { accept: [404] });
}

function result(img: ImageBody): { imageId: string; digest: string | null } {
  return { imageId: img.Id, digest: img.RepoDigests?.[0] ?? null };
}

/**
 * Makes `ref` present: reuses a local copy unless the tag is mutable, else pulls it, reporting
 * progress. Pull failures (reported inside the 200 stream, or as an error status) throw RuntimeError 500.
 */
export async function ensureImage(
  api: EngineApi,
  ref: string,
  opts: { mutable: boolean; onProgress?: (p: PullProgress) => void; signal?: AbortSignal },
): Promise<{ imageId: string; digest: string | null }> {
  if (!opts.mutable) {
    const local = await inspectImage(api, ref);
    if (local) return result(local);
  }
  await pull(api, ref, opts.onProgress, opts.signal);
  const img = await inspectImage(api, ref);
  if (!img)
    throw new RuntimeError(
      'internal',
      `Failed to pull image ${ref}: the engine reported success but does not list the image`,
    );
  return result(img);
}

async function pull(
  api: EngineApi,
  ref: string,
  onProgress: ((p: PullProgress) => void) | undefined,
  signal: AbortSignal | undefined,
): Promise<void> {
  const { fromImage, tag } = splitImageRef(ref);
  // Large images can take an hour; the engine may stay silent while extracting a big layer.
  const res = await api.call('/images/create', {
    method: 'POST',
    query: { fromImage, tag },
    accept: [400, 401, 403, 404, 500],
    headersTimeoutMs: 300_000,
    bodyTimeoutMs: 0,
    signal,
  });
  if (res.status >= 300) {
    const err = await errorFrom(res, `pull ${ref}`);
    throw new RuntimeError('internal', `Failed to pull image ${ref}: ${err.message}`);
  }
  const tracker = new PullProgressTracker();
  let rest = '';
  const handle = (line: string): void => {
    const ev = parsePullLine(line);
    if (!ev) return;
    const msg = pullError(ev);
    if (msg) throw new RuntimeError('internal', `Failed to pull image ${ref}: ${msg}`);
    const p = tracker.update(ev);
    if (p && onProgress) onProgress(p);
  };
  try {
    for await (const chunk of res.body) {
      rest += (chunk as Buffer).toString('utf8');
      const lines = rest.split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) handle(l);
    }
    handle(rest);
  } finally {
    // Drops the connection when we stop reading early (error line or abort).
    res.body.destroy();
  }
}
