import { encode } from './tokenizer.js';

/** Width of the simulated embedding vectors. */
export const EMBEDDING_DIMS = 1024;
const MAX_TOKENS_USED = 512;

function tokenVector(id: number, dims: number, into: Float64Array): void {
  // xorshift seeded by the token id: every token has its own fixed random direction.
  let x = (id * 2654435761) >>> 0 || 1;
  for (let i = 0; i < dims; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    into[i] = (into[i] ?? 0) + (x / 4294967296 - 0.5);
  }
}

/**
 * A deterministic, L2-normalised embedding: the sum of one fixed random vector per token, so equal
 * inputs give equal vectors and texts sharing words point in similar directions.
 */
export function embed(tokenIds: readonly number[], dims = EMBEDDING_DIMS): number[] {
  const acc = new Float64Array(dims);
  const used = tokenIds.length > MAX_TOKENS_USED ? tokenIds.slice(0, MAX_TOKENS_USED) : tokenIds;
  for (const id of used) tokenVector(id, dims, acc);
  if (used.length === 0) tokenVector(0, dims, acc);
  let norm = 0;
  for (const v of acc) norm += v * v;
  norm = Math.sqrt(norm) || 1;
  return Array.from(acc, (v) => v / norm);
}

/** Token ids of an embeddings input item (a string, or token ids as given). */
export function inputIds(item: string | readonly number[]): number[] {
  return typeof item === 'string' ? encode(item) : [...item];
}

/** The base64 form of a float vector (little-endian float32), as `encoding_format: "base64"` returns it. */
export function toBase64(vector: readonly number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString('base64');
}
