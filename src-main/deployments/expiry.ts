import type { EventBus } from '../events/event-bus.js';
import type { SettingsService } from '../settings/settings.service.js';
import { statusOf } from './deployment-presenter.js';
import type { DeploymentStore } from './deployment-store.js';
import type { DeploymentService } from './deployment.service.js';
import { isLeased } from './lifecycle.js';
import type { Notifier } from './notifier.js';
import {
  deploymentExpired,
  deploymentExpiring,
  minutesLeft,
} from '../webhooks/webhook-notifications.js';

/**
 * One expiry tick (behaviour.md §2.13): deployments past their deadline are stopped with the
 * final status `expired`; those within `expiry_warning_minutes` get one `expiry_warning` event and
 * one `deployment_expiring` notice per (deployment, deadline), so an extension re-arms it.
 */
export class ExpiryWatch {
  private readonly warned = new Set<string>();

  constructor(
    private readonly deps: {
      store: DeploymentStore;
      deployments: DeploymentService;
      settings: SettingsService;
      bus: EventBus;
      notify: Notifier;
    },
  ) {}

  async tick(): Promise<void> {
    const { store, settings } = this.deps;
    const now = store.clock.now();
    const windowMs = settings.get().expiry_warning_minutes * 60_000;
    const live = new Set<string>();
    for (const row of await store.rows()) {
      if (!isLeased(statusOf(row)) || row.expires_at === null) continue;
      const remaining = Date.parse(row.expires_at) - now;
      const model = row.model_name;
      if (remaining <= 0) {
        await this.deps.deployments.stopBestEffort(row.id, 'expired');
        this.deps.notify(deploymentExpired({ deployment_id: row.id, model }));
        continue;
      }
      const mark = `${row.id}@${row.expires_at}`;
      live.add(mark);
      if (remaining > windowMs || this.warned.has(mark)) continue;
      this.warned.add(mark);
      const minutes = minutesLeft(remaining);
      this.deps.bus.emit({
        type: 'expiry_warning',
        deployment_id: row.id,
        model,
        expires_at: row.expires_at,
        minutes_left: minutes,
      });
      this.deps.notify(
        deploymentExpiring({
          deployment_id: row.id,
          model,
          expires_at: row.expires_at,
          remainingMs: remaining,
        }),
      );
    }
    for (const mark of this.warned) if (!live.has(mark)) this.warned.delete(mark);
  }
}
