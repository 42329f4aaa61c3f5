import { create } from 'zustand';
import { DeploymentReadSchema, type DeploymentRead } from '../../src-main/shared/deployments.js';
import type { AppEvent, AppEventOf } from '../../src-main/shared/events.js';
import type { ApiHealth } from '../../src-main/shared/health.js';
import { NodeReadSchema, type NodeRead } from '../../src-main/shared/nodes.js';
import {
  SETTING_KEYS,
  SettingsSchema,
  type SettingKey,
  type Settings,
} from '../../src-main/shared/settings.js';
import { ApiError, type ApiClient } from '../api/api-client.js';
import { tokenStore } from '../api/token-store.js';
import type { StreamStatus } from '../api/transport.js';
import { byId, foldDeployments, foldNodes, type RowMap } from './rows.js';

/** How often the console polls while the event stream is down, and refreshes loop health. */
export const POLL_MS = 5000;
const HEALTH_EVERY_TICKS = 3;

/** A `node_metrics` sample as the charts consume it. */
export type NodeMetricsEvent = AppEventOf<'node_metrics'>;

export interface ConsoleState {
  health: ApiHealth | null;
  /** Why the last health request failed; null while it answers. */
  healthError: string | null;
  settings: Settings | null;
  /** Per key, a counter bumped each time an event changed it (drives the highlight). */
  changed: Partial<Record<SettingKey, number>>;
  /** Every deployment by id, kept current from `deployments_changed` rows. */
  deployments: RowMap<DeploymentRead>;
  /** Every node by id, kept current from `nodes_changed` rows. */
  nodes: RowMap<NodeRead>;
  /** Bumped by each `api_keys_changed` (it carries ids only, so the keys view re-reads). */
  keysVersion: number;
  /** Bumped by each `transfer_progress` (the node's transfer list re-reads). */
  transfersVersion: number;
  /** Both lists have loaded once. */
  loaded: boolean;
  stream: StreamStatus;
  authRequired: boolean;
  /** A token was entered in this session and the server still answered 401. */
  tokenRejected: boolean;
  error: string | null;
  /** Loads everything, opens the event stream and starts polling; returns the stop function. */
  start: () => () => void;
  refresh: () => Promise<void>;
  refreshHealth: () => Promise<void>;
  submitToken: (token: string) => Promise<void>;
  /** Puts rows the API answered (an action's result) into the store at once. */
  putDeployment: (row: DeploymentRead) => void;
  /** Subscribes to `node_metrics` samples (charts); returns the unsubscribe function. */
  onMetrics: (cb: (e: NodeMetricsEvent) => void) => () => void;
}

/** What the store tells the operator about: expiry warnings and failures. */
export interface StoreNotices {
  warn(title: string, message: string): void;
}

const message = (err: unknown) =>
  err instanceof ApiError ? err.detail : err instanceof Error ? err.message : String(err);

/** The console's state and the actions that keep it in sync with the control plane. */
export function createConsoleStore(api: ApiClient, notices?: StoreNotices) {
  const metricsListeners = new Set<(e: NodeMetricsEvent) => void>();
  return create<ConsoleState>()((set, get) => {
    const onFailure = (err: unknown) => {
      if (err instanceof ApiError && err.status === 401)
        set({ authRequired: true, tokenRejected: tokenStore.get() !== null });
      else set({ error: message(err) });
    };

    const applyEvent = (event: AppEvent) => {
      switch (event.type) {
        case 'settings_changed': {
          const before = get().settings;
          const changed = { ...get().changed };
          for (const key of SETTING_KEYS)
            if (!before || before[key] !== event.settings[key])
              changed[key] = (changed[key] ?? 0) + 1;
          set({ settings: event.settings, changed });
          return;
        }
        case 'deployments_changed':
          set({
            deployments: foldDeployments(get().deployments, event.deployments, event.deleted),
          });
          return;
        case 'nodes_changed':
          set({ nodes: foldNodes(get().nodes, event.nodes, event.deleted) });
          return;
        case 'node_metrics':
          for (const cb of metricsListeners) cb(event);
          return;
        case 'expiry_warning':
          notices?.warn(
            `${event.model} expires soon`,
            `Deployment ${event.deployment_id} expires in ${Math.round(event.minutes_left)} min.`,
          );
          return;
        case 'api_keys_changed':
          set({ keysVersion: get().keysVersion + 1 });
          return;
        case 'transfer_progress':
          set({ transfersVersion: get().transfersVersion + 1 });
          return;
      }
    };

    return {
      health: null,
      healthError: null,
      settings: null,
      changed: {},
      deployments: {},
      nodes: {},
      keysVersion: 0,
      transfersVersion: 0,
      loaded: false,
      stream: 'polling',
      authRequired: false,
      tokenRejected: false,
      error: null,

      refreshHealth: async () => {
        try {
          set({ health: await api.health(), healthError: null });
        } catch (err) {
          set({ healthError: message(err) });
          onFailure(err);
        }
      },

      refresh: async () => {
        const health = get().refreshHealth();
        try {
          const [settings, deployments, nodes] = await Promise.all([
            api.send('GET', '/api/settings', SettingsSchema),
            api.send('GET', '/api/deployments', DeploymentReadSchema.array()),
            api.send('GET', '/api/nodes', NodeReadSchema.array()),
          ]);
          set({
            settings,
            deployments: byId(deployments),
            nodes: byId(nodes),
            loaded: true,
            error: null,
            authRequired: false,
          });
        } catch (err) {
          onFailure(err);
        }
        await health;
      },

      submitToken: async (token) => {
        tokenStore.set(token.trim());
        set({ authRequired: false, tokenRejected: false });
        await get().refresh();
        api.transport.reconnect();
      },

      putDeployment: (row) => set({ deployments: { ...get().deployments, [row.id]: row } }),

      onMetrics: (cb) => {
        metricsListeners.add(cb);
        return () => metricsListeners.delete(cb);
      },

      start: () => {
        let wasLive = false;
        let tick = 0;
        const stopEvents = api.events(applyEvent, (stream) => {
          // After a reconnect, events sent while we were away are lost: read the state once.
          if (stream === 'live' && wasLive) void get().refresh();
          if (stream === 'live') wasLive = true;
          set({ stream });
        });
        void get().refresh();
        const timer = setInterval(() => {
          tick++;
          if (get().authRequired) return;
          if (get().stream === 'polling') void get().refresh();
          else if (tick % HEALTH_EVERY_TICKS === 0) void get().refreshHealth();
        }, POLL_MS);
        return () => {
          clearInterval(timer);
          stopEvents();
        };
      },
    };
  });
}

export type ConsoleStore = ReturnType<typeof createConsoleStore>;
