/**
 * The `filters` query value of `GET /containers/json` for labels (`key` or `key=value`, ANDed),
 * as JSON; the caller URL-encodes it with the rest of the query. Throws on an empty key.
 */
export function labelFilterParam(labels: readonly string[]): string {
  for (const l of labels) {
    if (l.length === 0 || l.startsWith('='))
      throw new Error(`invalid label filter '${l}': expected key or key=value`);
  }
  return JSON.stringify({ label: [...labels] });
}

/** Splits an image reference into the `fromImage` and `tag` of `POST /images/create`. */
export function splitImageRef(ref: string): { fromImage: string; tag: string } {
  const at = ref.indexOf('@');
  if (at !== -1) return { fromImage: ref.slice(0, at), tag: ref.slice(at + 1) };
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  // A colon before the last slash belongs to a registry host:port, not to a tag.
  if (colon > slash) return { fromImage: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { fromImage: ref, tag: 'latest' };
}

/** Compares dotted versions numerically (`1.41` < `1.44`, `5.4.0` ≥ `5.4`). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/).map((x) => Number.parseInt(x, 10));
  const pb = b.split(/[.+-]/).map((x) => Number.parseInt(x, 10));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = Number.isNaN(pa[i] ?? 0) ? 0 : (pa[i] ?? 0);
    const y = Number.isNaN(pb[i] ?? 0) ? 0 : (pb[i] ?? 0);
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** The highest Engine API version this client speaks; the server's own version caps it. */
export const CLIENT_MAX_API_VERSION = '1.47';

/**
 * Picks the API version for requests: the server's, capped by ours, but never below the server's
 * minimum (Docker 29 refuses clients under 1.44).
 */
export function negotiateApiVersion(server: string, serverMin: string | null): string {
  let v = compareVersions(server, CLIENT_MAX_API_VERSION) < 0 ? server : CLIENT_MAX_API_VERSION;
  if (serverMin && compareVersions(v, serverMin) < 0) v = serverMin;
  return v;
}
