import { createLogger } from '../logging/logger.js';
import type { NodeSync } from '../nodes/node-sync.js';
import type { SettingsService } from '../settings/settings.service.js';
import type { Clock } from '../shared/clock.js';
import { SyncLoop } from '../shared/node/sync-loop.js';

/** The node sync loop: every `nodes_sync_interval_seconds`, one `NodeSync` tick. */
export function createNodeSyncLoop(
  sync: NodeSync,
  settings: SettingsService,
  clock: Clock,
): SyncLoop {
  return new SyncLoop({
    name: 'node-sync',
    logger: createLogger('loops'),
    clock,
    intervalSeconds: () => settings.get().nodes_sync_interval_seconds,
    tick: () => sync.tick(),
  });
}
