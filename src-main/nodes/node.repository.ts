import {
  sql,
  type Insertable,
  type Kysely,
  type Selectable,
  type Transaction,
  type Updateable,
} from 'kysely';
import type { Database, NodeMetricsTable, NodesTable } from '../db/schema.js';

type Db = Kysely<Database> | Transaction<Database>;
export type NodeRow = Selectable<NodesTable>;
export type NodeInsert = Insertable<NodesTable>;
export type NodeUpdate = Updateable<NodesTable>;
export type MetricRow = Selectable<NodeMetricsTable>;

export function listNodes(db: Db): Promise<NodeRow[]> {
  return db.selectFrom('nodes').selectAll().orderBy('hostname').execute();
}

export function getNode(db: Db, id: number): Promise<NodeRow | undefined> {
  return db.selectFrom('nodes').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findNodeByHostname(db: Db, hostname: string): Promise<NodeRow | undefined> {
  return db.selectFrom('nodes').selectAll().where('hostname', '=', hostname).executeTakeFirst();
}

export function insertNode(db: Db, row: NodeInsert): Promise<NodeRow> {
  return db.insertInto('nodes').values(row).returningAll().executeTakeFirstOrThrow();
}

export function updateNode(db: Db, id: number, patch: NodeUpdate): Promise<NodeRow | undefined> {
  return db.updateTable('nodes').set(patch).where('id', '=', id).returningAll().executeTakeFirst();
}

/** Deletes a node; its deployments and metric samples go with it (foreign keys cascade). */
export async function deleteNode(
  db: Db,
  id: number,
): Promise<{ deleted: boolean; deployments: number }> {
  const deps = await db
    .selectFrom('deployments')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('node_id', '=', id)
    .executeTakeFirstOrThrow();
  const r = await db.deleteFrom('nodes').where('id', '=', id).executeTakeFirst();
  return { deleted: Number(r.numDeletedRows) > 0, deployments: Number(deps.n) };
}

/** Inserts one metric sample per node in a single statement. */
export async function insertMetricSamples(
  db: Db,
  rows: readonly Omit<MetricRow, 'id'>[],
): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('node_metrics')
    .values([...rows])
    .execute();
}

/**
 * The samples of one node since `since` (ISO), oldest first, keeping every `step`-th one (counted
 * from the newest, so the latest sample is always there). Downsampled in SQL over the
 * `(node_id, recorded_at)` index.
 */
export function metricsSince(
  db: Db,
  nodeId: number,
  since: string,
  step: number,
): Promise<Omit<MetricRow, 'id' | 'node_id'>[]> {
  // Rank over the covering (node_id, recorded_at) index alone, then read just the kept rows.
  const ranked = db
    .selectFrom('node_metrics')
    .select(['id', sql<number>`row_number() over (order by recorded_at desc)`.as('rn')])
    .where('node_id', '=', nodeId)
    .where('recorded_at', '>=', since);
  return db
    .selectFrom(ranked.as('r'))
    .innerJoin('node_metrics as m', 'm.id', 'r.id')
    .select(['m.recorded_at', 'm.gpus', 'm.cpu_percent', 'm.memory_percent'])
    .where(sql<boolean>`(r.rn - 1) % ${step} = 0`)
    .orderBy('m.recorded_at')
    .execute();
}
