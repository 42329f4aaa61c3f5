import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src-main/db/open-database.js';
import { AppError } from '../../src-main/shared/errors.js';
import { EventBus } from '../../src-main/events/event-bus.js';
import { SettingsService } from '../../src-main/settings/settings.service.js';
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
  it("starts from the 21 documented defaults (the seed's 20, and auto_register_nodes)", async () => {
    const { service } = await setup();
    expect(SETTING_KEYS).toHaveLength(21);
    expect(service.get()).toEqual(DEFAULT_SETTINGS);
    expect(service.get()).toMatchObject({
      gateway_timeout_seconds: 600,
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
