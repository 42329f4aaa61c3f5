import { resolveAllowedPath } from '../engine/launch-checks.js';

/**
 * Resolves a host model path (symlinks and `..` collapsed) that must lie inside one of
 * `allowedDirs`; throws an Error with the reference texts "…not inside an allowed model directory
 * (allowed: …)" or "…does not exist on this node." The engine's launch check is the one implementation.
 */
export function resolveModelPath(path: string, allowedDirs: readonly string[]): string {
  return resolveAllowedPath(path, allowedDirs, 'Model path');
}
