import { cidrContains, type Cidr } from '../../shared/cidr.js';
import { bearerToken, safeEqual } from '../../shared/node/secrets.js';

/** Who may call `/api` and `/ws` without a token, and the token everyone else must present. */
export interface AccessPolicy {
  mode: 'token' | 'open';
  trusted: readonly Cidr[];
  adminToken: string;
}

/** True when a request from `remote` with this Authorization header may use the admin API. */
export function isAdminAllowed(
  policy: AccessPolicy,
  remote: string | undefined,
  authorization: string | undefined,
): boolean {
  if (policy.mode === 'open') return true;
  if (remote && policy.trusted.some((net) => cidrContains(net, remote))) return true;
  const token = bearerToken(authorization);
  return token !== null && safeEqual(token, policy.adminToken);
}

export const ADMIN_AUTH_DETAIL =
  'Admin token required from this network. Set Authorization: Bearer <admin token> (shown by `aerie serve` and in the app).';
