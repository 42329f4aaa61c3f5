import { createHash, timingSafeEqual } from 'node:crypto';
import { cidrContains, type Cidr } from '../../shared/cidr.js';

/** Who may call `/api` and `/ws` without a token, and the token everyone else must present. */
export interface AccessPolicy {
  mode: 'token' | 'open';
  trusted: readonly Cidr[];
  adminToken: string;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time comparison of two secrets of any length. */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** Extracts the token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1] ?? null;
}

/** True when a request from `remote` with this Authorization header may use the admin API. */
export function isAdminAllowed(policy: AccessPolicy, remote: string | undefined, authorization: string | undefined): boolean {
  if (policy.mode === 'open') return true;
  if (remote && policy.trusted.some((net) => cidrContains(net, remote))) return true;
  const token = bearerToken(authorization);
  return token !== null && safeEqual(token, policy.adminToken);
}

export const ADMIN_AUTH_DETAIL =
  'Admin token required from this network. Set Authorization: Bearer <admin token> (shown by `aerie serve` and in the app).';
