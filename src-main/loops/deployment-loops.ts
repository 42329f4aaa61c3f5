import type { DeploymentSync } from '../deployments/deployment-sync.js';
import type { ExpiryWatch } from '../deployments/expiry.js';
import { createLogger } from '../logging/logger.js';
import type { SettingsService } from '../settings/settings.service.js';
import type { Clock } from '../shared/clock.js';
import { SyncLoop } from '../shared/node/sync-loop.js';

/** The deployment sync loop: every `deployments_sync_interval_seconds`, one `DeploymentSync` tick. */
export function createDeploymentSyncLoop(
  sync: DeploymentSync,
  settings: SettingsService,
  clock: Clock,
): SyncLoop {
  return new SyncLoop({
    name: 'deployment-sync',
    logger: createLogger('loops'),
    clock,
    intervalSeconds: () => settings.get().deployments_sync_interval_seconds,
    tick: () => sync.tick(),
  });
}

/** The expiry loop: every `expiry_check_interval_seconds`, one `ExpiryWatch` tick. */
export function createExpiryLoop(
  watch: ExpiryWatch,
  settings: SettingsService,
  clock: Clock,
): SyncLoop {
  return new SyncLoop({
    name: 'expiry',
    logger: createLogger('loops'),
    clock,
    intervalSeconds: () => settings.get().expiry_check_interval_seconds,
    tick: () => watch.tick(),
  });
}
