import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { createLogger } from '../logging/logger.js';
import type { SettingsService } from '../settings/settings.service.js';
import type { Clock } from '../shared/clock.js';
import { SyncLoop } from '../shared/node/sync-loop.js';

const log = createLogger('loops');

/** Deletes node metric samples older than the retention setting; returns how many went. */
export async function pruneNodeMetrics(
  db: Kysely<Database>,
  retentionHours: number,
  now: number,
): Promise<number> {
  const cutoff = new Date(now - retentionHours * 3_600_000).toISOString();
  const r = await db
    .deleteFrom('node_metrics')
    .where('recorded_at', '<', cutoff)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** The housekeeping loop: retention pruning every `expiry_check_interval_seconds`. */
export function createHousekeepingLoop(
  db: Kysely<Database>,
  settings: SettingsService,
  clock: Clock,
): SyncLoop {
  return new SyncLoop({
    name: 'housekeeping',
    logger: log,
    clock,
    intervalSeconds: () => settings.get().expiry_check_interval_seconds,
    tick: async () => {
      const pruned = await pruneNodeMetrics(
        db,
        settings.get().node_metrics_retention_hours,
        clock.now(),
      );
      if (pruned > 0) log.info('pruned node metrics', { rows: pruned });
    },
  });
}
