import { cidrContains, type Cidr } from '../../shared/cidr.js';
import { bearerToken, safeEqual } from '../../shared/node/secrets.js';

/** Who may call `/api` and `/ws` without a token, and the token everyone else must present. */
export interface AccessPolicy {
  mode: 'token' | 'open';
  trusted: readonly Cidr[];
  adminToken: string;
  /** What agents present on the routes they call (`credential: 'cluster'`). */
  clusterToken: string;
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

/** Null when the request carries the cluster token, else the 401 detail (agents calling in). */
export function clusterTokenProblem(
  policy: AccessPolicy,
  authorization: string | undefined,
): string | null {
  const token = bearerToken(authorization);
  if (token === null) return CLUSTER_AUTH_DETAIL;
  return safeEqual(token, policy.clusterToken) ? null : 'Invalid cluster token.';
}

export const CLUSTER_AUTH_DETAIL =
  "Cluster token required: send Authorization: Bearer <cluster token> (the agent's --cluster-token).";
