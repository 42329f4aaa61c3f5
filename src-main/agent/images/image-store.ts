import { errorMessage } from '../../shared/errors.js';
import type { ContainerRuntime, ImageDetails } from '../runtime/container-runtime.js';
import { RuntimeError } from '../runtime/runtime-error.js';
import { DERIVED_LABEL, bareImageId, contentKey, isVllmTag } from './image-refs.js';

/** One vLLM-relevant image in one runtime's store. */
export interface ImageCopy {
  runtime: ContainerRuntime;
  image: ImageDetails;
  /** Content key shared by copies in other stores; a per-store fallback when layers are unknown. */
  key: string;
  vllmTags: string[];
  /** Names that belong to something else: removing the copy only drops its vLLM tags. */
  foreignTags: string[];
  derived: boolean;
}

/** What one store's removal attempt did. */
export type CopyOutcome =
  | { kind: 'deleted' | 'untagged' }
  | { kind: 'in-use'; reason: string }
  | { kind: 'failed'; reason: string };

/**
 * The images of `runtime` that concern vLLM: any vLLM tag, or the derived label (tagged or
 * dangling), each inspected for its layers. A store that does not answer contributes nothing.
 */
export async function vllmCopies(
  runtime: ContainerRuntime,
  imageRepo: string,
): Promise<ImageCopy[]> {
  const all = await runtime.listImages().catch(() => []);
  const out: ImageCopy[] = [];
  for (const s of all) {
    const derived = s.labels[DERIVED_LABEL] === 'true';
    if (!derived && !s.tags.some((t) => isVllmTag(t, imageRepo))) continue;
    const image = await runtime.inspectImage(s.id).catch(() => null);
    if (!image) continue; // Removed between the list and the inspect.
    out.push({
      runtime,
      image,
      key: contentKey(image.layers) ?? `${runtime.name}:${image.id}`,
      vllmTags: image.tags.filter((t) => isVllmTag(t, imageRepo)),
      foreignTags: image.tags.filter((t) => !isVllmTag(t, imageRepo)),
      derived,
    });
  }
  return out;
}

/** Image id → name of a container (any state) of `runtime` that uses it. */
export async function imagesInUse(runtime: ContainerRuntime): Promise<Map<string, string>> {
  const users = new Map<string, string>();
  for (const c of await runtime.list([])) {
    if (c.imageId) users.set(bareImageId(c.imageId), c.name || c.id.slice(0, 12));
  }
  return users;
}

/**
 * Removes one copy unless a container uses it: only its vLLM tags when it has foreign ones (the
 * image stays for its other owner), else every tag (the last one deletes it) or, untagged, its id.
 */
export async function removeCopy(
  copy: ImageCopy,
  users: Map<string, string>,
): Promise<CopyOutcome> {
  const user = users.get(copy.image.id);
  if (user !== undefined) return { kind: 'in-use', reason: `in use by container ${user}` };
  const refs = copy.vllmTags.length > 0 ? copy.vllmTags : [copy.image.id];
  try {
    for (const ref of refs) await copy.runtime.removeImage(ref).catch(ignoreMissing);
  } catch (err) {
    const reason = errorMessage(err);
    return err instanceof RuntimeError && err.code === 'conflict'
      ? { kind: 'in-use', reason }
      : { kind: 'failed', reason };
  }
  return { kind: copy.foreignTags.length > 0 ? 'untagged' : 'deleted' };
}

/** A tag or image that is already gone is what removal wanted. */
function ignoreMissing(err: unknown): void {
  if (err instanceof RuntimeError && err.code === 'not_found') return;
  throw err;
}
