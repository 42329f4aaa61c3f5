import { sql, type Kysely, type Selectable } from 'kysely';
import type { ApiKeysTable, Database } from '../db/schema.js';
import type { UsageIncrement } from '../gateway/usage-meter.js';

export type ApiKeyRow = Selectable<ApiKeysTable>;
type Db = Kysely<Database>;

export const listKeys = (db: Db, nowIso: string): Promise<ApiKeyRow[]> =>
  db
    .selectFrom('api_keys')
    .selectAll()
    .where((w) => w.or([w('expires_at', 'is', null), w('expires_at', '>', nowIso)]))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();

export const findKey = (db: Db, id: number) =>
  db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();

export const insertKey = (db: Db, row: Omit<ApiKeyRow, 'id'>) =>
  db.insertInto('api_keys').values(row).returningAll().executeTakeFirstOrThrow();

export const updateKey = (db: Db, id: number, patch: Partial<Omit<ApiKeyRow, 'id'>>) =>
  db.updateTable('api_keys').set(patch).where('id', '=', id).returningAll().executeTakeFirst();

export async function deleteKey(db: Db, id: number): Promise<boolean> {
  const r = await db.deleteFrom('api_keys').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Deletes keys past their expiry; returns their ids. */
export async function deleteExpired(db: Db, nowIso: string): Promise<number[]> {
  const rows = await db
    .deleteFrom('api_keys')
    .where('expires_at', 'is not', null)
    .where('expires_at', '<=', nowIso)
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/** Writes `last_used_at` for each key id (epoch ms) in one transaction. */
export async function markUsed(db: Db, used: ReadonlyMap<number, number>): Promise<void> {
  if (used.size === 0) return;
  await db.transaction().execute(async (tx) => {
    for (const [id, at] of used)
      await tx
        .updateTable('api_keys')
        .set({ last_used_at: new Date(at).toISOString() })
        .where('id', '=', id)
        .execute();
  });
}

/** Adds usage increments to `usage_hourly` in one transaction. */
export async function addUsage(db: Db, incs: readonly UsageIncrement[]): Promise<void> {
  if (incs.length === 0) return;
  await db.transaction().execute(async (tx) => {
    for (const i of incs)
      await tx
        .insertInto('usage_hourly')
        .values(i)
        .onConflict((oc) =>
          oc.columns(['api_key_id', 'deployment_id', 'hour']).doUpdateSet({
            requests: sql`requests + excluded.requests`,
            prompt_tokens: sql`prompt_tokens + excluded.prompt_tokens`,
            completion_tokens: sql`completion_tokens + excluded.completion_tokens`,
            model: sql`excluded.model`,
          }),
        )
        .execute();
  });
}

/** Tokens each key spent in `usage_hourly` since `sinceIso` (an hour boundary). */
export async function tokensSince(
  db: Db,
  ids: readonly number[],
  sinceIso: string,
): Promise<Map<number, number>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('usage_hourly')
    .select(['api_key_id', sql<number>`sum(prompt_tokens + completion_tokens)`.as('tokens')])
    .where('api_key_id', 'in', [...ids])
    .where('hour', '>=', sinceIso)
    .groupBy('api_key_id')
    .execute();
  return new Map(rows.map((r) => [r.api_key_id, Number(r.tokens)]));
}

/** Usage rows in [from, to) joined with what names their group. */
export function usageRows(db: Db, fromIso: string | null, toIso: string | null) {
  let q = db
    .selectFrom('usage_hourly as u')
    .leftJoin('api_keys as k', 'k.id', 'u.api_key_id')
    .leftJoin('deployments as d', 'd.id', 'u.deployment_id')
    .select([
      'u.api_key_id',
      'u.deployment_id',
      'u.model',
      'u.requests',
      'u.prompt_tokens',
      'u.completion_tokens',
      'k.label',
      'd.owner',
    ]);
  if (fromIso) q = q.where('u.hour', '>=', fromIso);
  if (toIso) q = q.where('u.hour', '<', toIso);
  return q.execute();
}
