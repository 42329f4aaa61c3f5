import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { badRequest } from '../shared/errors.js';
import type { EventBus } from '../events/event-bus.js';
import { createLogger } from '../logging/logger.js';
import {
  DEFAULT_SETTINGS,
  NULLABLE_SETTING_KEYS,
  SETTING_KEYS,
  settingsShape,
  type SettingKey,
  type Settings,
  type SettingsUpdate,
} from '../shared/settings.js';
import { loadOverrides, saveOverrides } from './settings.repository.js';

const log = createLogger('settings');

/** The effective runtime settings: defaults overlaid by saved overrides, kept in memory. */
export class SettingsService {
  private current: Readonly<Settings> = DEFAULT_SETTINGS;
  private readonly listeners = new Set<(s: Readonly<Settings>, changed: SettingKey[]) => void>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly bus: EventBus,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Loads saved overrides; an invalid stored value is skipped (and logged), never fatal. */
  async init(): Promise<void> {
    const { values, broken } = await loadOverrides(this.db);
    const next: Record<string, unknown> = { ...DEFAULT_SETTINGS };
    for (const key of SETTING_KEYS) {
      if (!values.has(key)) continue;
      const parsed = settingsShape[key].safeParse(values.get(key));
      if (parsed.success) next[key] = parsed.data;
      else log.warn('ignoring invalid stored setting', { key });
    }
    for (const key of broken) log.warn('ignoring unreadable stored setting', { key });
    this.current = Object.freeze(next as Settings);
  }

  /** The current effective settings (a frozen object; read it each time, it changes live). */
  get(): Readonly<Settings> {
    return this.current;
  }

  /** Calls `fn` after every successful update with the new settings and the keys that changed. */
  onChange(fn: (s: Readonly<Settings>, changed: SettingKey[]) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Applies a partial update: `null` is ignored except for keys where it clears the value.
   * Throws 400 "No settings provided." when nothing is left to apply. Returns the full settings.
   */
  async update(patch: SettingsUpdate): Promise<Readonly<Settings>> {
    const entries: [SettingKey, unknown][] = [];
    for (const key of SETTING_KEYS) {
      const value = patch[key];
      if (value === undefined) continue;
      if (value === null && !NULLABLE_SETTING_KEYS.has(key)) continue;
      entries.push([key, value]);
    }
    if (entries.length === 0) throw badRequest('No settings provided.');
    await saveOverrides(this.db, entries, this.now().toISOString());
    const next: Settings = { ...this.current, ...Object.fromEntries(entries) };
    const changed = entries.filter(([k, v]) => this.current[k] !== v).map(([k]) => k);
    this.current = Object.freeze(next);
    log.info('settings updated', { keys: entries.map(([k]) => k) });
    for (const fn of this.listeners) fn(this.current, changed);
    this.bus.emit({ type: 'settings_changed', settings: { ...this.current } });
    return this.current;
  }
}
