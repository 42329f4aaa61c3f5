import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database, DeploymentConfigsTable } from '../db/schema.js';

type Db = Kysely<Database> | Transaction<Database>;
export type ConfigRow = Selectable<DeploymentConfigsTable>;

export function listConfigs(db: Db): Promise<ConfigRow[]> {
  return db
    .selectFrom('deployment_configs')
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

export function findConfigByName(db: Db, name: string): Promise<ConfigRow | undefined> {
  return db
    .selectFrom('deployment_configs')
    .selectAll()
    .where('name', '=', name)
    .executeTakeFirst();
}

export function insertConfig(db: Db, row: Omit<ConfigRow, 'id'>): Promise<ConfigRow> {
  return db.insertInto('deployment_configs').values(row).returningAll().executeTakeFirstOrThrow();
}

/** Deletes one config; returns how many rows went (0 or 1). */
export async function deleteConfig(db: Db, id: number): Promise<number> {
  const r = await db.deleteFrom('deployment_configs').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows);
}
