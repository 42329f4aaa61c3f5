import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time comparison of two secrets of any length (both are hashed first, so lengths match). */
export function tokensEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1] ?? null;
}

export const MISSING_TOKEN_DETAIL =
  'Cluster token required: send Authorization: Bearer <cluster token>.';
export const WRONG_TOKEN_DETAIL = 'Invalid cluster token.';

/** Null when the request may proceed, else the 401 detail. `token` undefined means auth is off (--insecure). */
export function checkClusterToken(
  token: string | undefined,
  authorization: string | undefined,
): string | null {
  if (token === undefined) return null;
  const presented = bearerToken(authorization);
  if (presented === null) return MISSING_TOKEN_DETAIL;
  return tokensEqual(presented, token) ? null : WRONG_TOKEN_DETAIL;
}
