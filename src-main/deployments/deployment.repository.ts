import type { Insertable, Kysely, Selectable, Transaction, Updateable } from 'kysely';
import type { Database, DeploymentsTable } from '../db/schema.js';

type Db = Kysely<Database> | Transaction<Database>;
export type DeploymentRow = Selectable<DeploymentsTable>;
export type DeploymentInsert = Insertable<DeploymentsTable>;
export type DeploymentUpdate = Updateable<DeploymentsTable>;

let writes = 0;
/**
 * Counts the writes made through this module (any database): a cache of the table is current
 * while the count it was read at is still the count. Bumped when a write is issued, so a read
 * tagged with an older count is always read again.
 */
export const deploymentWrites = (): number => writes;

/** Every deployment, newest first. */
export function listDeployments(db: Db): Promise<DeploymentRow[]> {
  return db.selectFrom('deployments').selectAll().orderBy('id', 'desc').execute();
}

export function listByNode(db: Db, nodeId: number): Promise<DeploymentRow[]> {
  return db.selectFrom('deployments').selectAll().where('node_id', '=', nodeId).execute();
}

export function getDeployment(db: Db, id: number): Promise<DeploymentRow | undefined> {
  return db.selectFrom('deployments').selectAll().where('id', '=', id).executeTakeFirst();
}

export function insertDeployment(db: Db, row: DeploymentInsert): Promise<DeploymentRow> {
  writes++;
  return db.insertInto('deployments').values(row).returningAll().executeTakeFirstOrThrow();
}

export function updateDeployment(
  db: Db,
  id: number,
  patch: DeploymentUpdate,
): Promise<DeploymentRow | undefined> {
  writes++;
  return db
    .updateTable('deployments')
    .set(patch)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** Deletes one deployment; returns how many rows went (0 or 1). */
export async function deleteDeployment(db: Db, id: number): Promise<number> {
  writes++;
  const r = await db.deleteFrom('deployments').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** True for the SQLite error of the `uq_active_node_port` reservation (or any unique index). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT_UNIQUE');
}
