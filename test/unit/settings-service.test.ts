import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src-main/db/open-database.js';
import { AppError } from '../../src-main/shared/errors.js';
import { EventBus } from '../../src-main/events/event-bus.js';
import { SettingsService } from '../../src-main/settings/settings.service.js';
import { redact } from '../../src-main/logging/logger.js';
import type { AppEvent } from '../../src-main/shared/events.js';
import {
  DEFAULT_SETTINGS,
  SETTING_KEYS,
  SettingsUpdateSchema,
} from '../../src-main/shared/settings.js';

async function setup() {
  const store = openDatabase(':memory:');
  const bus = new EventBus();
  const events: AppEvent[] = [];
  bus.onAny((e) => events.push(e));
  const service = new SettingsService(store.db, bus);
  await service.init();
  return { store, bus, events, service };
}

describe('SettingsService', () => {
  it("starts from the 23 documented defaults (the seed's 20, auto_register_nodes, gateway_wake_hold_seconds, webhook_secret_set)", async () => {
    const { service } = await setup();
    expect(SETTING_KEYS).toHaveLength(23);
    expect(service.get()).toEqual(DEFAULT_SETTINGS);
    expect(service.get()).toMatchObject({
      gateway_timeout_seconds: 600,
      gateway_wake_hold_seconds: 60,
      busy_guard_seconds: 0,
      default_duration_choice: '43200',
    });
  });

  it('applies a partial update, persists it, and emits settings_changed with the full settings', async () => {
    const { store, bus, events, service } = await setup();
    const result = await service.update({ busy_guard_seconds: 60, default_port: 9001 });
    expect(result).toMatchObject({
      busy_guard_seconds: 60,
      default_port: 9001,
      gateway_enabled: true,
    });
    expect(events).toEqual([
      {
        type: 'settings_changed',
        settings: { ...DEFAULT_SETTINGS, busy_guard_seconds: 60, default_port: 9001 },
      },
    ]);
    const reloaded = new SettingsService(store.db, bus);
    await reloaded.init();
    expect(reloaded.get()).toMatchObject({ busy_guard_seconds: 60, default_port: 9001 });
  });

  it('ignores null except for default_max_failed_restarts, where it clears the value', async () => {
    const { service } = await setup();
    await service.update({ default_max_failed_restarts: 5 });
    const r = await service.update({ default_port: null, default_max_failed_restarts: null });
    expect(r.default_port).toBe(8001);
    expect(r.default_max_failed_restarts).toBeNull();
  });

  it('answers 400 "No settings provided." when nothing is left to apply', async () => {
    const { service, events } = await setup();
    await expect(service.update({})).rejects.toMatchObject({
      code: 'bad_request',
      detail: 'No settings provided.',
    });
    await expect(service.update({ gateway_enabled: null })).rejects.toBeInstanceOf(AppError);
    expect(events).toHaveLength(0);
  });

  it('skips an invalid stored value instead of failing to start', async () => {
    const { store, bus } = await setup();
    store.raw
      .prepare(
        "insert into settings values ('busy_guard_seconds', '9999', 'x'), ('default_port', 'not json', 'x'), ('expiry_warning_minutes', '45', 'x')",
      )
      .run();
    const s = new SettingsService(store.db, bus);
    await s.init();
    expect(s.get()).toMatchObject({
      busy_guard_seconds: 0,
      default_port: 8001,
      expiry_warning_minutes: 45,
    });
  });

  it('notifies change listeners with the keys that changed', async () => {
    const { service } = await setup();
    const seen: string[][] = [];
    service.onChange((_s, changed) => seen.push(changed));
    await service.update({ nodes_sync_interval_seconds: 10, deployments_sync_interval_seconds: 2 });
    expect(seen).toEqual([['deployments_sync_interval_seconds']]);
  });

  it('keeps webhook_secret write-only: stored and readable by the service, never in get() or settings_changed', async () => {
    const { store, bus, events, service } = await setup();
    const secret = 'hmac-key-0123456789';
    const r = await service.update({ webhook_secret: secret });
    expect(r).toEqual({ ...DEFAULT_SETTINGS, webhook_secret_set: true });
    expect(JSON.stringify(service.get())).not.toContain(secret);
    expect(service.secret('webhook_secret')).toBe(secret);
    expect(events).toEqual([
      { type: 'settings_changed', settings: { ...DEFAULT_SETTINGS, webhook_secret_set: true } },
    ]);
    expect(JSON.stringify(events)).not.toContain(secret);

    const reloaded = new SettingsService(store.db, bus);
    await reloaded.init();
    expect(reloaded.secret('webhook_secret')).toBe(secret);
    expect(reloaded.get().webhook_secret_set).toBe(true);
  });

  it('clears webhook_secret with an empty string (no row left) and ignores null', async () => {
    const { store, service } = await setup();
    const seen: string[][] = [];
    service.onChange((_s, changed) => seen.push(changed));
    await service.update({ webhook_secret: 'first-secret-value' });
    await service.update({ webhook_secret: null, default_port: 9002 });
    expect(service.secret('webhook_secret')).toBe('first-secret-value');
    await service.update({ webhook_secret: '' });
    expect(service.secret('webhook_secret')).toBe('');
    expect(service.get().webhook_secret_set).toBe(false);
    expect(
      store.raw.prepare("select count(*) from settings where key = 'webhook_secret'").pluck().get(),
    ).toBe(0);
    expect(seen).toEqual([['webhook_secret_set'], ['default_port'], ['webhook_secret_set']]);
    await expect(service.update({ webhook_secret: null })).rejects.toMatchObject({
      detail: 'No settings provided.',
    });
  });

  it('registers the webhook secret with the log redactor', async () => {
    const { service } = await setup();
    const secret = 'redact-me-please-42';
    await service.update({ webhook_secret: secret });
    expect(JSON.stringify(redact({ msg: `oops ${secret}` }))).not.toContain(secret);
  });

  it('rejects a short, padded, over-long or non-string webhook_secret, and the read-only flag', () => {
    for (const [value, msg] of [
      ['short', 'must be empty (to clear it) or at least 8 characters'],
      [' padded-secret ', 'must not start or end with whitespace'],
      ['x'.repeat(257), 'must be at most 256 characters'],
      [42, 'Invalid input: expected string, received number'],
    ] as const) {
      const r = SettingsUpdateSchema.safeParse({ webhook_secret: value });
      expect(r.success).toBe(false);
      expect(r.error!.issues.map((i) => i.message)).toContain(msg);
    }
    expect(SettingsUpdateSchema.safeParse({ webhook_secret: '' }).success).toBe(true);
    expect(SettingsUpdateSchema.safeParse({ webhook_secret_set: true }).success).toBe(false);
  });

  it('validates ranges and unknown fields in the update schema', () => {
    const bad = SettingsUpdateSchema.safeParse({
      gateway_timeout_seconds: 5,
      default_gpu_fraction: 1.5,
      preferred_container_runtime: 'lxc',
      default_duration_choice: '999',
      webhook_url: 'ftp://x',
      temp_api_key_ttl_seconds: 3601,
      nodes_sync_interval_seconds: 0.5,
      extra: true,
    });
    expect(bad.success).toBe(false);
    const paths = bad.error!.issues.map((i) => (i.path.length ? i.path.join('.') : i.code));
    expect(paths).toEqual(
      expect.arrayContaining([
        'gateway_timeout_seconds',
        'default_gpu_fraction',
        'preferred_container_runtime',
        'default_duration_choice',
        'webhook_url',
        'temp_api_key_ttl_seconds',
        'nodes_sync_interval_seconds',
        'unrecognized_keys',
      ]),
    );
    expect(
      SettingsUpdateSchema.safeParse({ webhook_url: '', default_duration_choice: 'inf' }).success,
    ).toBe(true);
  });
});
