import type { Insertable, Kysely, Selectable, Transaction, Updateable } from 'kysely';
import type { Database, WebhookDeliveriesTable } from '../db/schema.js';
import type { WebhookDeliveryStatus } from '../shared/webhooks.js';

type Db = Kysely<Database> | Transaction<Database>;
export type DeliveryRow = Selectable<WebhookDeliveriesTable>;
export type NewDelivery = Insertable<WebhookDeliveriesTable>;
export type DeliveryPatch = Updateable<WebhookDeliveriesTable>;

/** Inserts deliveries in one statement; returns them with their ids, in order. */
export function insertDeliveries(db: Db, rows: NewDelivery[]): Promise<DeliveryRow[]> {
  return db.insertInto('webhook_deliveries').values(rows).returningAll().execute();
}

/** Deliveries newest first, optionally of one status. */
export function listDeliveries(
  db: Db,
  q: { limit: number; status?: WebhookDeliveryStatus | undefined },
): Promise<DeliveryRow[]> {
  let query = db.selectFrom('webhook_deliveries').selectAll();
  if (q.status !== undefined) query = query.where('status', '=', q.status);
  return query.orderBy('id', 'desc').limit(q.limit).execute();
}

/** Up to `limit` pending deliveries due at `now` (oldest due first), skipping the ids in `busy`. */
export function dueDeliveries(
  db: Db,
  now: string,
  limit: number,
  busy: readonly number[],
): Promise<DeliveryRow[]> {
  let query = db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', now);
  if (busy.length > 0) query = query.where('id', 'not in', busy);
  return query.orderBy('next_attempt_at').orderBy('id').limit(limit).execute();
}

/** When the earliest pending delivery outside `busy` is due, or null when none is pending. */
export async function nextDueAt(db: Db, busy: readonly number[]): Promise<string | null> {
  let query = db
    .selectFrom('webhook_deliveries')
    .select((eb) => eb.fn.min('next_attempt_at').as('at'))
    .where('status', '=', 'pending');
  if (busy.length > 0) query = query.where('id', 'not in', busy);
  return (await query.executeTakeFirst())?.at ?? null;
}

/** Records the outcome of one attempt. */
export async function updateDelivery(db: Db, id: number, patch: DeliveryPatch): Promise<void> {
  await db.updateTable('webhook_deliveries').set(patch).where('id', '=', id).execute();
}

/**
 * Deletes finished deliveries created before `cutoff`, and all but the newest `keep` finished
 * ones; pending deliveries stay. Returns how many went.
 */
export async function pruneDeliveries(db: Db, cutoff: string, keep: number): Promise<number> {
  const old = await db
    .deleteFrom('webhook_deliveries')
    .where('status', '!=', 'pending')
    .where((eb) =>
      eb.or([
        eb('created_at', '<', cutoff),
        eb(
          'id',
          'not in',
          eb
            .selectFrom('webhook_deliveries')
            .select('id')
            .where('status', '!=', 'pending')
            .orderBy('id', 'desc')
            .limit(keep),
        ),
      ]),
    )
    .executeTakeFirst();
  return Number(old.numDeletedRows);
}
