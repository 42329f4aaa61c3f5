import { bearerToken, safeEqual } from '../../shared/node/secrets.js';

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
  return safeEqual(presented, token) ? null : WRONG_TOKEN_DETAIL;
}
