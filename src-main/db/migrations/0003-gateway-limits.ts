import type { Compilable, Kysely } from 'kysely';

// Frozen: this migration's compiled SQL is checksummed; never edit it, add a new one instead.
// Optional per-key limits of the gateway: requests and tokens per minute, and a token budget per
// day or month.
export function statements(db: Kysely<unknown>): Compilable[] {
  const t = () => db.schema.alterTable('api_keys');
  return [
    t().addColumn('rate_limit_rpm', 'integer'),
    t().addColumn('rate_limit_tpm', 'integer'),
    t().addColumn('token_budget', 'integer'),
    t().addColumn('budget_period', 'text'),
  ];
}
