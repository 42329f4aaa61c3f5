import { z } from 'zod';

/** The serve-duration choices offered by the deploy form, in seconds, plus `inf`. */
export const DURATION_CHOICES = [
  '3600',
  '7200',
  '14400',
  '28800',
  '43200',
  '86400',
  '172800',
  'inf',
] as const;

const int = (min: number, max: number) => z.number().int().min(min).max(max);

const webhookUrl = z
  .string()
  .max(2048)
  .refine((v) => v === '' || /^https?:\/\/[^\s/]+/i.test(v), {
    message: 'must be empty or an http(s):// URL',
  });

const webhookSecret = z
  .string()
  .max(256, 'must be at most 256 characters')
  .refine((v) => v === '' || v.length >= 8, {
    message: 'must be empty (to clear it) or at least 8 characters',
  })
  .refine((v) => v.trim() === v, { message: 'must not start or end with whitespace' });

/**
 * Every readable runtime setting with its range; the single source of validation and of the API
 * schema. Each is stored, returned by `GET /api/settings` and carried by `settings_changed`.
 */
export const settingsShape = {
  gateway_enabled: z.boolean(),
  gateway_timeout_seconds: int(10, 86400),
  /** How long a `/v1` request for a paused model waits for it to wake before a 503 (0 = none). */
  gateway_wake_hold_seconds: int(0, 600),
  start_timeout_seconds: int(60, 86400),
  preferred_container_runtime: z.enum(['docker', 'podman']),
  default_port: int(1024, 65535),
  default_gpu_fraction: z.number().min(0.05).max(1),
  default_duration_choice: z.enum(DURATION_CHOICES),
  default_vllm_version: z.string().max(128),
  default_max_failed_restarts: int(1, 20).nullable(),
  webhook_url: webhookUrl,
  expiry_warning_minutes: int(1, 1440),
  node_metrics_retention_hours: int(1, 8760),
  temp_api_key_ttl_seconds: int(0, 3600),
  default_warm_offload_enabled: z.boolean(),
  /** New agents that announce themselves become nodes at once; false = operator approval. */
  auto_register_nodes: z.boolean(),
  busy_guard_seconds: int(0, 300),
  nodes_sync_interval_seconds: int(1, 300),
  deployments_sync_interval_seconds: int(1, 300),
  expiry_check_interval_seconds: int(5, 600),
  node_failure_threshold: int(1, 20),
  deployment_failure_threshold: int(1, 20),
};

/**
 * Write-only settings: accepted by `PUT /api/settings` (an empty string clears one), stored, and
 * never returned, broadcast or logged; the read side has a `<key>_set` flag for each.
 */
export const secretSettingsShape = {
  /** HMAC-SHA256 key for the `X-Aerie-Signature` header of webhook deliveries. */
  webhook_secret: webhookSecret,
};
export type SecretSettingKey = keyof typeof secretSettingsShape;

/** The read-side flag of each write-only setting: whether a value is set. */
const secretFlagsShape = {
  webhook_secret_set: z
    .boolean()
    .describe('Whether a webhook_secret is set (it is never returned)'),
};

export const SettingsSchema = z
  .object({ ...settingsShape, ...secretFlagsShape })
  .meta({ id: 'Settings' });
export type Settings = z.infer<typeof SettingsSchema>;
/** A key of the settings as read (stored settings and the `*_set` flags). */
export type SettingKey = keyof Settings;
/** A key of a readable stored setting (every setting but the write-only ones and their flags). */
export type StoredSettingKey = keyof typeof settingsShape;

const updatable = <S extends Record<string, z.ZodType>>(shape: S) =>
  Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, v.nullable().optional()])) as {
    [K in keyof S]: z.ZodOptional<z.ZodNullable<S[K]>>;
  };

/**
 * PUT body: every readable and write-only setting, each optional and nullable (null is ignored
 * except where it clears a value). The `*_set` flags are read-only and rejected as unknown.
 */
export const SettingsUpdateSchema = z
  .object({ ...updatable(settingsShape), ...updatable(secretSettingsShape) })
  .strict()
  .meta({ id: 'SettingsUpdate' });
export type SettingsUpdate = z.infer<typeof SettingsUpdateSchema>;

/** Keys whose explicit `null` means "clear to the default" instead of "leave unchanged". */
export const NULLABLE_SETTING_KEYS: ReadonlySet<StoredSettingKey> = new Set([
  'default_max_failed_restarts',
]);

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  gateway_enabled: true,
  gateway_timeout_seconds: 600,
  gateway_wake_hold_seconds: 60,
  start_timeout_seconds: 1800,
  preferred_container_runtime: 'docker',
  default_port: 8001,
  default_gpu_fraction: 0.5,
  default_duration_choice: '43200',
  default_vllm_version: '',
  default_max_failed_restarts: null,
  webhook_url: '',
  expiry_warning_minutes: 30,
  node_metrics_retention_hours: 48,
  temp_api_key_ttl_seconds: 300,
  default_warm_offload_enabled: true,
  auto_register_nodes: true,
  busy_guard_seconds: 0,
  nodes_sync_interval_seconds: 10,
  deployments_sync_interval_seconds: 5,
  expiry_check_interval_seconds: 30,
  node_failure_threshold: 3,
  deployment_failure_threshold: 3,
  webhook_secret_set: false,
});

/** Every key of the settings as read, in display order. */
export const SETTING_KEYS = Object.keys(SettingsSchema.shape) as SettingKey[];
/** The readable stored settings. */
export const STORED_SETTING_KEYS = Object.keys(settingsShape) as StoredSettingKey[];
/** The write-only settings. */
export const SECRET_SETTING_KEYS = Object.keys(secretSettingsShape) as SecretSettingKey[];
