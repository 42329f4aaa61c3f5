import { toMb } from '../files/file-deps.js';
import { AppError } from '../../shared/errors.js';
import type { ContainerRuntime, RuntimeName } from '../runtime/container-runtime.js';
import { bareImageId, shortRef } from './image-refs.js';
import { type ImageCopy, imagesInUse, removeCopy, vllmCopies } from './image-store.js';
import type {
  ImageEntry,
  ImageSkip,
  ImageDeleteResult,
  PruneResult,
} from '../../shared/agent-protocol/housekeeping.js';

/** The runtimes whose stores form the cache (RuntimeRegistry in production). */
export interface ImageRuntimes {
  all(): Promise<ContainerRuntime[]>;
}

// Docker Hub names read the same with or without the prefix Podman adds; `localhost/` stays visible.
const displayTag = (t: string): string => t.replace(/^docker\.io\/(library\/)?/, '');

/** The vLLM image cache of the node: the images of every runtime, presented as one (behaviour.md §4.6). */
export class ImageCache {
  constructor(private readonly opts: { runtimes: ImageRuntimes; imageRepo: string }) {}

  private async copies(): Promise<ImageCopy[]> {
    const out: ImageCopy[] = [];
    for (const rt of await this.opts.runtimes.all().catch(() => []))
      out.push(...(await vllmCopies(rt, this.opts.imageRepo)));
    return out;
  }

  /** Copies grouped by content key, in the order the preferred runtime lists them. */
  private async groups(): Promise<ImageCopy[][]> {
    const byKey = new Map<string, ImageCopy[]>();
    for (const c of await this.copies()) byKey.set(c.key, [...(byKey.get(c.key) ?? []), c]);
    return [...byKey.values()];
  }

  /** `GET /images`. */
  async list(): Promise<ImageEntry[]> {
    return (await this.groups()).flatMap((g) => {
      const first = g[0];
      if (!first) return [];
      const tags = new Map<string, string>();
      for (const t of g.flatMap((c) => c.vllmTags))
        if (!tags.has(shortRef(t))) tags.set(shortRef(t), displayTag(t));
      return [
        {
          id: first.image.id,
          tags: [...tags.values()],
          size_mb: toMb(first.image.sizeBytes),
          runtime: first.runtime.name,
          runtimes: [...new Set(g.map((c) => c.runtime.name))],
        },
      ];
    });
  }

  /**
   * `DELETE /images/{id}`: removes the image from every store holding the same content (only its
   * vLLM tags where it has others). 404 when no store has it, 409 when containers use every copy.
   */
  async remove(idOrPrefix: string): Promise<ImageDeleteResult> {
    const want = bareImageId(idOrPrefix);
    const matches = (await this.groups()).filter((g) =>
      g.some((c) => c.image.id.startsWith(want) || c.key === want),
    );
    const group = matches[0];
    if (!group?.[0])
      throw new AppError(
        'not_found',
        `Image ${idOrPrefix} is not in any image store of this node.`,
      );
    if (matches.length > 1) {
      throw new AppError(
        'bad_request',
        `Image id ${idOrPrefix} matches ${matches.length} images; give more of the id.`,
      );
    }
    const removed: RuntimeName[] = [];
    const skipped: ImageSkip[] = [];
    let allInUse = true;
    for (const copy of group) {
      const users = await imagesInUse(copy.runtime).catch(() => null);
      const out =
        users === null
          ? ({ kind: 'failed', reason: 'the runtime did not list its containers' } as const)
          : await removeCopy(copy, users);
      if (out.kind === 'in-use' || out.kind === 'failed')
        skipped.push({ runtime: copy.runtime.name, reason: out.reason });
      else removed.push(copy.runtime.name);
      if (out.kind !== 'in-use') allInUse = false;
    }
    if (removed.length === 0) {
      const detail = `Image ${idOrPrefix} was not removed: ${skipped.map((s) => `${s.runtime}: ${s.reason}`).join('; ')}. Stop and remove the containers using it first.`;
      throw new AppError(allInUse ? 'conflict' : 'internal', detail, { skipped });
    }
    return {
      status: 'deleted',
      id: group[0].image.id,
      runtimes: removed,
      ...(skipped.length > 0 ? { skipped } : {}),
    };
  }

  /**
   * `POST /images/prune`: removes, store by store, every vLLM or derived image (dangling derived
   * ones included) that no container of that store uses, running or stopped. Derived images go
   * first, so a base is no longer their parent when its turn comes.
   */
  async prune(): Promise<PruneResult> {
    const result: PruneResult = { removed: [], freed_mb: 0, skipped: [] };
    const copies = (await this.copies()).sort((a, b) => Number(b.derived) - Number(a.derived));
    const usersByRuntime = new Map<ContainerRuntime, Map<string, string> | null>();
    let freedBytes = 0;
    for (const copy of copies) {
      if (!usersByRuntime.has(copy.runtime))
        usersByRuntime.set(copy.runtime, await imagesInUse(copy.runtime).catch(() => null));
      const users = usersByRuntime.get(copy.runtime);
      const base = {
        id: copy.image.id,
        runtime: copy.runtime.name,
        tags: copy.vllmTags.map(displayTag),
      };
      if (!users) {
        result.skipped.push({ ...base, reason: 'the runtime did not list its containers' });
        continue;
      }
      const out = await removeCopy(copy, users);
      if (out.kind === 'in-use' || out.kind === 'failed') {
        result.skipped.push({ ...base, reason: out.reason });
        continue;
      }
      result.removed.push({ ...base, size_mb: toMb(copy.image.sizeBytes) });
      if (out.kind === 'deleted') freedBytes += copy.image.sizeBytes;
    }
    result.freed_mb = toMb(freedBytes);
    return result;
  }
}
