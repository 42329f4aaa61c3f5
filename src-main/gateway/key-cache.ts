import { createHash } from 'node:crypto';
import { gatewayError, type GatewayError } from './openai-error.js';
import type { BudgetPeriod } from '../shared/api-keys.js';

/** What the gateway knows of one key: never the key itself, only its hash. */
export interface CachedKey {
  id: number;
  hash: string;
  /** Epoch ms; null for a permanent key. */
  expiresAt: number | null;
  /** The deployment ids it may reach; null = all. */
  scope: ReadonlySet<number> | null;
  rpm: number | null;
  tpm: number | null;
  budget: { tokens: number; period: BudgetPeriod } | null;
}

export const hashKey = (raw: string): string => createHash('sha256').update(raw).digest('hex');

/** Who a request is: an open gateway (no key needed, none given), or a key. */
export type Caller = { key: CachedKey | null };

/**
 * The in-memory key table the hot path reads (sha256 → key), replaced whole by the key service
 * whenever keys change; it also collects `last_used_at` marks for the service to flush.
 */
export class KeyCache {
  private byHash = new Map<string, CachedKey>();
  private permanent = 0;
  private used = new Map<number, number>();

  replace(keys: readonly CachedKey[]): void {
    this.byHash = new Map(keys.map((k) => [k.hash, k]));
    this.permanent = keys.filter((k) => k.expiresAt === null).length;
  }

  /** True while no permanent key exists: the gateway is open (behaviour.md §5.3). */
  get open(): boolean {
    return this.permanent === 0;
  }

  /**
   * Checks the `Authorization` header. Open gateway: a missing header passes, a given key is still
   * checked when it is known (so its scope and limits apply). Closed: a valid key is required.
   */
  authenticate(header: string | undefined, now: number): Caller | GatewayError {
    const raw = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    if (raw === undefined || raw === '') {
      if (this.open) return { key: null };
      return gatewayError(
        401,
        'missing_api_key',
        'authentication_error',
        'API key required. Set Authorization: Bearer <key>.',
      );
    }
    const key = this.byHash.get(hashKey(raw));
    if (key && (key.expiresAt === null || key.expiresAt > now)) {
      this.used.set(key.id, now);
      return { key };
    }
    if (this.open) return { key: null };
    return gatewayError(401, 'invalid_api_key', 'authentication_error', 'Invalid API key.');
  }

  /** The `last_used_at` marks since the last call (key id → epoch ms). */
  drainUsed(): Map<number, number> {
    const out = this.used;
    this.used = new Map();
    return out;
  }
}
