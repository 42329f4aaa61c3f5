import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { badRequest } from '../shared/errors.js';
import type { EventBus } from '../events/event-bus.js';
import { createLogger, registerSecret } from '../logging/logger.js';
import {
  DEFAULT_SETTINGS,
  NULLABLE_SETTING_KEYS,
  SECRET_SETTING_KEYS,
  SETTING_KEYS,
  STORED_SETTING_KEYS,
  secretSettingsShape,
  settingsShape,
  type SecretSettingKey,
  type SettingKey,
  type Settings,
  type SettingsUpdate,
} from '../shared/settings.js';
import { deleteOverrides, loadOverrides, saveOverrides } from './settings.repository.js';

const log = createLogger('settings');

type Secrets = Record<SecretSettingKey, string>;
const NO_SECRETS: Readonly<Secrets> = Object.freeze({ webhook_secret: '' });

/** The read view of the write-only settings: one `*_set` flag each, never the value. */
const secretFlags = (secrets: Readonly<Secrets>) => ({
  webhook_secret_set: secrets.webhook_secret !== '',
});

/**
 * The effective runtime settings: defaults overlaid by saved overrides, kept in memory. Write-only
 * settings (`webhook_secret`) are held apart: `get()` and `settings_changed` only say whether each
 * is set; `secret()` is for the one consumer that needs the value.
 */
export class SettingsService {
  private current: Readonly<Settings> = DEFAULT_SETTINGS;
  private secrets: Readonly<Secrets> = NO_SECRETS;
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
    for (const key of STORED_SETTING_KEYS) {
      if (!values.has(key)) continue;
      const parsed = settingsShape[key].safeParse(values.get(key));
      if (parsed.success) next[key] = parsed.data;
      else log.warn('ignoring invalid stored setting', { key });
    }
    const secrets: Secrets = { ...NO_SECRETS };
    for (const key of SECRET_SETTING_KEYS) {
      if (!values.has(key)) continue;
      const parsed = secretSettingsShape[key].safeParse(values.get(key));
      if (parsed.success) secrets[key] = parsed.data;
      else log.warn('ignoring invalid stored setting', { key });
    }
    for (const key of broken) log.warn('ignoring unreadable stored setting', { key });
    for (const value of Object.values(secrets)) registerSecret(value);
    this.secrets = Object.freeze(secrets);
    this.current = Object.freeze({ ...(next as Settings), ...secretFlags(this.secrets) });
  }

  /** The current effective settings (a frozen object; read it each time, it changes live). */
  get(): Readonly<Settings> {
    return this.current;
  }

  /** The current value of a write-only setting, '' when unset. Never return it to a client. */
  secret(key: SecretSettingKey): string {
    return this.secrets[key];
  }

  /** Calls `fn` after every successful update with the new settings and the keys that changed. */
  onChange(fn: (s: Readonly<Settings>, changed: SettingKey[]) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Applies a partial update: `null` is ignored except for keys where it clears the value; an
   * empty write-only value clears it. Throws 400 "No settings provided." when nothing is left to
   * apply. Returns the full settings (write-only ones as their `*_set` flags).
   */
  async update(patch: SettingsUpdate): Promise<Readonly<Settings>> {
    const entries: [string, unknown][] = [];
    for (const key of STORED_SETTING_KEYS) {
      const value = patch[key];
      if (value === undefined) continue;
      if (value === null && !NULLABLE_SETTING_KEYS.has(key)) continue;
      entries.push([key, value]);
    }
    const secrets: Secrets = { ...this.secrets };
    const secretKeys: SecretSettingKey[] = [];
    for (const key of SECRET_SETTING_KEYS) {
      const value = patch[key];
      if (value === undefined || value === null) continue;
      secrets[key] = value;
      secretKeys.push(key);
    }
    if (entries.length === 0 && secretKeys.length === 0) throw badRequest('No settings provided.');
    const at = this.now().toISOString();
    await this.db.transaction().execute(async (trx) => {
      await saveOverrides(
        trx,
        [
          ...entries,
          ...secretKeys
            .filter((k) => secrets[k] !== '')
            .map((k): [string, unknown] => [k, secrets[k]]),
        ],
        at,
      );
      await deleteOverrides(
        trx,
        secretKeys.filter((k) => secrets[k] === ''),
      );
    });
    for (const key of secretKeys) registerSecret(secrets[key]);
    this.secrets = Object.freeze(secrets);
    const before = this.current;
    this.current = Object.freeze({
      ...before,
      ...(Object.fromEntries(entries) as Partial<Settings>),
      ...secretFlags(this.secrets),
    });
    const changed = SETTING_KEYS.filter((k) => before[k] !== this.current[k]);
    // Key names only: values may be secrets.
    log.info('settings updated', { keys: [...entries.map(([k]) => k), ...secretKeys] });
    for (const fn of this.listeners) fn(this.current, changed);
    this.bus.emit({ type: 'settings_changed', settings: { ...this.current } });
    return this.current;
  }
}
