import { createHash } from 'node:crypto';

/** Label of images the agent builds from a base image plus extra packages (behaviour.md §2.5). */
export const DERIVED_LABEL = 'aerie.derived';

/** Repositories whose images are vLLM servers, besides the node's own `--image-repo`. */
const VLLM_REPOS = ['vllm/vllm-openai', 'aerie/local'];

/**
 * `ref` without the registry prefixes Podman adds to short names (`docker.io/`, `localhost/`) and
 * Docker Hub's `library/`, so the same image compares equal whichever engine named it.
 */
export function shortRef(ref: string): string {
  return ref.replace(/^(docker\.io|localhost)\//, '').replace(/^library\//, '');
}

/** The repository of a reference: without `@digest` and without a `:tag` after the last slash. */
export function repoOf(ref: string): string {
  const at = ref.indexOf('@');
  const noDigest = at === -1 ? ref : ref.slice(0, at);
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

/** True when `tag` is a vLLM image: under `imageRepo`, `vllm/vllm-openai` or `aerie/local`. */
export function isVllmTag(tag: string, imageRepo: string): boolean {
  const repo = shortRef(repoOf(tag));
  return repo === shortRef(repoOf(imageRepo)) || VLLM_REPOS.includes(repo);
}

/**
 * Key that is equal for copies of one image in different stores (their ids differ): the SHA-256
 * of the layer digests joined by newlines. Null when the engine reported no layers.
 */
export function contentKey(layers: readonly string[]): string | null {
  if (layers.length === 0) return null;
  return createHash('sha256').update(layers.join('\n')).digest('hex');
}

/** An image id without `sha256:`, lower-case (engines differ in whether they add the prefix). */
export function bareImageId(id: string): string {
  return id.replace(/^sha256:/i, '').toLowerCase();
}
