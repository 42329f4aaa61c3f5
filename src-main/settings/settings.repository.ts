import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';

type Db = Kysely<Database> | Transaction<Database>;

/** Every stored override as key → parsed JSON value. Unparseable rows are returned as errors. */
export async function loadOverrides(
  db: Db,
): Promise<{ values: Map<string, unknown>; broken: string[] }> {
  const rows = await db.selectFrom('settings').select(['key', 'value']).execute();
  const values = new Map<string, unknown>();
  const broken: string[] = [];
  for (const r of rows) {
    try {
      values.set(r.key, JSON.parse(r.value));
    } catch {
      broken.push(r.key);
    }
  }
  return { values, broken };
}

/** Writes the given overrides (insert or replace), stamping `updated_at`. */
export async function saveOverrides(
  db: Db,
  entries: [string, unknown][],
  at: string,
): Promise<void> {
  if (entries.length === 0) return;
  await db
    .insertInto('settings')
    .values(entries.map(([key, value]) => ({ key, value: JSON.stringify(value), updated_at: at })))
    .onConflict((oc) =>
      oc.column('key').doUpdateSet((eb) => ({
        value: eb.ref('excluded.value'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .execute();
}

/** Deletes the given overrides (a cleared write-only setting leaves no row behind). */
export async function deleteOverrides(db: Db, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await db.deleteFrom('settings').where('key', 'in', keys).execute();
}
