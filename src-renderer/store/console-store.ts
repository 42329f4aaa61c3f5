import { create } from 'zustand';
import type { AppEvent } from '../../src-main/shared/events.js';
import type { ApiHealth } from '../../src-main/shared/health.js';
import { SETTING_KEYS, type SettingKey, type Settings } from '../../src-main/shared/settings.js';
import { ApiError, type ApiClient } from '../api/api-client.js';
import { tokenStore } from '../api/token-store.js';
import type { StreamStatus } from '../api/transport.js';

/** How often the console polls while the event stream is down, and refreshes loop health. */
export const POLL_MS = 5000;
const HEALTH_EVERY_TICKS = 3;

export interface ConsoleState {
  health: ApiHealth | null;
  /** Why the last health request failed; null while it answers. */
  healthError: string | null;
  settings: Settings | null;
  /** Per key, a counter bumped each time an event changed it (drives the highlight). */
  changed: Partial<Record<SettingKey, number>>;
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
}

const message = (err: unknown) =>
  err instanceof ApiError ? err.detail : err instanceof Error ? err.message : String(err);

/** The console's state and the actions that keep it in sync with the control plane. */
export function createConsoleStore(api: ApiClient) {
  return create<ConsoleState>()((set, get) => {
    const onFailure = (err: unknown) => {
      if (err instanceof ApiError && err.status === 401)
        set({ authRequired: true, tokenRejected: tokenStore.get() !== null });
      else set({ error: message(err) });
    };

    const applyEvent = (event: AppEvent) => {
      if (event.type !== 'settings_changed') return;
      const before = get().settings;
      const changed = { ...get().changed };
      for (const key of SETTING_KEYS)
        if (!before || before[key] !== event.settings[key]) changed[key] = (changed[key] ?? 0) + 1;
      set({ settings: event.settings, changed });
    };

    return {
      health: null,
      healthError: null,
      settings: null,
      changed: {},
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
          set({ settings: await api.settings(), error: null, authRequired: false });
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
