import type { BudgetPeriod } from '../shared/api-keys.js';
import type { CachedKey } from './key-cache.js';
import { gatewayError, type GatewayError } from './openai-error.js';

const MINUTE = 60_000;

/**
 * A one-minute sliding window estimated from two fixed buckets (the current minute, and the
 * previous one weighted by how much of it still overlaps the window): O(1) memory per key.
 */
class Window {
  private start = 0;
  private current = 0;
  private previous = 0;

  private roll(now: number): void {
    const bucket = now - (now % MINUTE);
    if (bucket === this.start) return;
    this.previous = bucket - this.start === MINUTE ? this.current : 0;
    this.current = 0;
    this.start = bucket;
  }

  total(now: number): number {
    this.roll(now);
    const overlap = 1 - (now - this.start) / MINUTE;
    return this.current + this.previous * overlap;
  }

  add(now: number, n: number): void {
    this.roll(now);
    this.current += n;
  }

  /** Seconds until the window has room again (at most a minute). */
  retryAfter(now: number): number {
    return Math.max(1, Math.ceil((MINUTE - (now - this.start)) / 1000));
  }
}

/** The UTC start of the budget period that holds `now`. */
export function periodStart(period: BudgetPeriod, now: number): number {
  const d = new Date(now);
  return period === 'day'
    ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())
    : Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

interface KeyState {
  requests: Window;
  tokens: Window;
  /** Tokens spent since `periodStart` (seeded from `usage_hourly` by the key service). */
  spent: number;
  periodStart: number;
}

/**
 * Per-key request and token rates and token budgets, in memory. `admit` runs before a request is
 * relayed; `record` after its usage is known. Budgets are seeded from the stored usage so that a
 * restart does not give a key a fresh budget.
 */
export class KeyLimits {
  private readonly state = new Map<number, KeyState>();

  private of(key: CachedKey, now: number): KeyState {
    let s = this.state.get(key.id);
    if (!s) {
      s = { requests: new Window(), tokens: new Window(), spent: 0, periodStart: 0 };
      this.state.set(key.id, s);
    }
    if (key.budget) {
      const start = periodStart(key.budget.period, now);
      if (start !== s.periodStart) {
        s.periodStart = start;
        s.spent = 0;
      }
    }
    return s;
  }

  /** Sets what a key had spent in its current period when the gateway started. */
  seed(key: CachedKey, spent: number, now: number): void {
    this.of(key, now).spent = spent;
  }

  /** Null when `key` may send a request now, else the 429 to answer. */
  admit(key: CachedKey, now: number): GatewayError | null {
    const s = this.of(key, now);
    if (key.budget && s.spent >= key.budget.tokens) {
      const next = new Date(s.periodStart);
      if (key.budget.period === 'day') next.setUTCDate(next.getUTCDate() + 1);
      else next.setUTCMonth(next.getUTCMonth() + 1);
      return gatewayError(
        429,
        'budget_exceeded',
        'rate_limit_error',
        `This API key has spent its token budget of ${key.budget.tokens} for this ${key.budget.period}; it resets at ${next.toISOString()}.`,
        (next.getTime() - now) / 1000,
      );
    }
    if (key.rpm !== null && s.requests.total(now) + 1 > key.rpm)
      return gatewayError(
        429,
        'rate_limit_exceeded',
        'rate_limit_error',
        `Rate limit of ${key.rpm} requests per minute reached for this API key; retry later.`,
        s.requests.retryAfter(now),
      );
    if (key.tpm !== null && s.tokens.total(now) >= key.tpm)
      return gatewayError(
        429,
        'rate_limit_exceeded',
        'rate_limit_error',
        `Rate limit of ${key.tpm} tokens per minute reached for this API key; retry later.`,
        s.tokens.retryAfter(now),
      );
    s.requests.add(now, 1);
    return null;
  }

  /** Counts the tokens of a finished request against the key's window and budget. */
  record(key: CachedKey, tokens: number, now: number): void {
    const s = this.of(key, now);
    s.tokens.add(now, tokens);
    s.spent += tokens;
  }

  /** Tokens `key` has spent in its current period (for the key list). */
  spent(key: CachedKey, now: number): number {
    return this.of(key, now).spent;
  }

  forget(keepIds: ReadonlySet<number>): void {
    for (const id of this.state.keys()) if (!keepIds.has(id)) this.state.delete(id);
  }
}
