import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { EventBus } from '../events/event-bus.js';
import { hashKey, type CachedKey, type KeyCache } from '../gateway/key-cache.js';
import { periodStart, type KeyLimits } from '../gateway/key-limits.js';
import type { UsageMeter } from '../gateway/usage-meter.js';
import { createLogger } from '../logging/logger.js';
import {
  API_KEY_PREFIX,
  type ApiKeyCreate,
  type ApiKeyCreated,
  type ApiKeyRead,
  type ApiKeyUpdate,
  type BudgetPeriod,
  type UsageQuery,
  type UsageRow,
} from '../shared/api-keys.js';
import type { Clock } from '../shared/clock.js';
import { AppError, conflict, notFound } from '../shared/errors.js';
import * as repo from './api-key.repository.js';

const log = createLogger('gateway');

const scopeOf = (r: repo.ApiKeyRow): number[] | null =>
  r.allowed_deployment_ids === null ? null : (JSON.parse(r.allowed_deployment_ids) as number[]);
const periodOf = (r: repo.ApiKeyRow): BudgetPeriod | null =>
  r.budget_period === 'day' || r.budget_period === 'month' ? r.budget_period : null;

function toCached(r: repo.ApiKeyRow): CachedKey {
  const scope = scopeOf(r);
  const period = periodOf(r);
  return {
    id: r.id,
    hash: r.key_hash,
    expiresAt: r.expires_at === null ? null : Date.parse(r.expires_at),
    scope: scope === null ? null : new Set(scope),
    rpm: r.rate_limit_rpm,
    tpm: r.rate_limit_tpm,
    budget: r.token_budget !== null && period !== null ? { tokens: r.token_budget, period } : null,
  };
}

/**
 * API keys (behaviour.md §5.3, DESIGN.md §12.11): sha256 at rest, the raw key shown once, the
 * gateway's key table replaced whenever a key changes, and the gateway's in-memory marks (last
 * use, usage) written back in batches by `flush`.
 */
export class ApiKeyService {
  private cached = new Map<number, CachedKey>();

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      bus: EventBus;
      clock: Clock;
      cache: KeyCache;
      limits: KeyLimits;
      usage: UsageMeter;
    },
  ) {}

  private nowIso(): string {
    return new Date(this.deps.clock.now()).toISOString();
  }

  /** Loads every live key into the gateway's table and seeds budgets from stored usage. */
  async reload(): Promise<void> {
    const rows = await repo.listKeys(this.deps.db, this.nowIso());
    const keys = rows.map(toCached);
    const fresh = keys.filter((k) => k.budget && !this.cached.has(k.id));
    const now = this.deps.clock.now();
    for (const period of ['day', 'month'] as const) {
      const ids = fresh.filter((k) => k.budget?.period === period).map((k) => k.id);
      const spent = await repo.tokensSince(
        this.deps.db,
        ids,
        new Date(periodStart(period, now)).toISOString(),
      );
      for (const k of fresh)
        if (k.budget?.period === period) this.deps.limits.seed(k, spent.get(k.id) ?? 0, now);
    }
    this.cached = new Map(keys.map((k) => [k.id, k]));
    this.deps.cache.replace(keys);
    this.deps.limits.forget(new Set(this.cached.keys()));
  }

  private present(r: repo.ApiKeyRow): ApiKeyRead {
    const k = this.cached.get(r.id) ?? toCached(r);
    const used = k.budget ? this.deps.limits.spent(k, this.deps.clock.now()) : null;
    return {
      id: r.id,
      label: r.label,
      prefix: r.prefix,
      created_at: r.created_at,
      last_used_at: r.last_used_at,
      expires_at: r.expires_at,
      allowed_deployment_ids: scopeOf(r),
      rate_limit_rpm: r.rate_limit_rpm,
      rate_limit_tpm: r.rate_limit_tpm,
      token_budget: r.token_budget,
      budget_period: periodOf(r),
      budget_used: used,
      budget_remaining: k.budget && used !== null ? Math.max(0, k.budget.tokens - used) : null,
    };
  }

  private async changed(ids: number[]): Promise<void> {
    await this.reload();
    this.deps.bus.emit({ type: 'api_keys_changed', ids });
  }

  async list(): Promise<ApiKeyRead[]> {
    // The list shows current `last_used_at`, not the last flush's.
    await repo.markUsed(this.deps.db, this.deps.cache.drainUsed());
    return (await repo.listKeys(this.deps.db, this.nowIso())).map((r) => this.present(r));
  }

  async create(input: ApiKeyCreate): Promise<ApiKeyCreated> {
    const key = `${API_KEY_PREFIX}${randomBytes(16).toString('hex')}`;
    const now = this.deps.clock.now();
    const row = await repo.insertKey(this.deps.db, {
      label: input.label,
      prefix: key.slice(0, 8),
      key_hash: hashKey(key),
      created_at: new Date(now).toISOString(),
      last_used_at: null,
      expires_at:
        input.ttl_seconds != null ? new Date(now + input.ttl_seconds * 1000).toISOString() : null,
      allowed_deployment_ids:
        input.deployment_ids == null ? null : JSON.stringify([...new Set(input.deployment_ids)]),
      rate_limit_rpm: input.rate_limit_rpm ?? null,
      rate_limit_tpm: input.rate_limit_tpm ?? null,
      token_budget: input.token_budget ?? null,
      budget_period: input.budget_period ?? null,
    });
    await this.changed([row.id]);
    log.info('api key created', {
      id: row.id,
      prefix: row.prefix,
      temporary: row.expires_at !== null,
    });
    return { ...this.present(row), key };
  }

  async update(id: number, input: ApiKeyUpdate): Promise<ApiKeyRead> {
    const row = await repo.findKey(this.deps.db, id);
    if (!row) throw notFound(`API key ${id} not found.`);
    if (row.expires_at !== null) throw conflict('Cannot edit temporary keys.');
    const patch: Partial<repo.ApiKeyRow> = {};
    if (input.label !== undefined) patch.label = input.label;
    if (input.deployment_ids !== undefined)
      patch.allowed_deployment_ids =
        input.deployment_ids === null ? null : JSON.stringify([...new Set(input.deployment_ids)]);
    if (input.rate_limit_rpm !== undefined) patch.rate_limit_rpm = input.rate_limit_rpm;
    if (input.rate_limit_tpm !== undefined) patch.rate_limit_tpm = input.rate_limit_tpm;
    if (input.token_budget !== undefined) patch.token_budget = input.token_budget;
    if (input.budget_period !== undefined) patch.budget_period = input.budget_period;
    const budget = patch.token_budget !== undefined ? patch.token_budget : row.token_budget;
    const period = patch.budget_period !== undefined ? patch.budget_period : row.budget_period;
    if ((budget !== null) !== (period !== null))
      throw new AppError('validation_failed', [
        {
          loc: ['body', budget !== null ? 'budget_period' : 'token_budget'],
          msg: 'token_budget and budget_period go together: set both or neither.',
          type: 'value_error',
        },
      ]);
    const updated =
      Object.keys(patch).length > 0 ? await repo.updateKey(this.deps.db, id, patch) : row;
    await this.changed([id]);
    return this.present(updated ?? row);
  }

  async remove(id: number): Promise<void> {
    if (!(await repo.deleteKey(this.deps.db, id))) throw notFound(`API key ${id} not found.`);
    await this.changed([id]);
  }

  /** A deleted deployment leaves every scope (a key whose list empties reaches nothing). */
  async forgetDeployments(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    const gone = new Set(ids);
    const touched: number[] = [];
    for (const r of await repo.listKeys(this.deps.db, this.nowIso())) {
      const scope = scopeOf(r);
      if (scope === null || !scope.some((d) => gone.has(d))) continue;
      await repo.updateKey(this.deps.db, r.id, {
        allowed_deployment_ids: JSON.stringify(scope.filter((d) => !gone.has(d))),
      });
      touched.push(r.id);
    }
    if (touched.length > 0) await this.changed(touched);
  }

  /** Writes usage and last-use marks, deletes expired keys. Nothing is lost if a write fails. */
  async flush(): Promise<void> {
    const incs = this.deps.usage.drain();
    try {
      await repo.addUsage(this.deps.db, incs);
    } catch (err) {
      this.deps.usage.restore(incs);
      throw err;
    }
    await repo.markUsed(this.deps.db, this.deps.cache.drainUsed());
    const expired = await repo.deleteExpired(this.deps.db, this.nowIso());
    if (expired.length > 0) await this.changed(expired);
  }

  /** `GET /api/usage`: stored usage plus what is not flushed yet, grouped. */
  async report(q: UsageQuery): Promise<UsageRow[]> {
    await this.flush();
    const rows = await repo.usageRows(this.deps.db, q.from ?? null, q.to ?? null);
    const groups = new Map<string, UsageRow>();
    for (const r of rows) {
      const key =
        q.group_by === 'owner'
          ? (r.owner ?? '(none)')
          : q.group_by === 'api_key'
            ? r.api_key_id === 0
              ? '(no key)'
              : (r.label ?? `key ${r.api_key_id} (deleted)`)
            : q.group_by === 'deployment'
              ? String(r.deployment_id)
              : r.model;
      let g = groups.get(key);
      if (!g) {
        g = {
          key,
          api_key_id: q.group_by === 'api_key' ? r.api_key_id : null,
          deployment_id: q.group_by === 'deployment' ? r.deployment_id : null,
          requests: 0,
          prompt_tokens: 0,
          completion_tokens: 0,
          total_tokens: 0,
        };
        groups.set(key, g);
      }
      g.requests += r.requests;
      g.prompt_tokens += r.prompt_tokens;
      g.completion_tokens += r.completion_tokens;
      g.total_tokens += r.prompt_tokens + r.completion_tokens;
    }
    return [...groups.values()].sort((a, b) => b.total_tokens - a.total_tokens);
  }
}
