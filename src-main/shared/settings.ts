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

/** Every runtime setting with its range; the single source of validation and of the API schema. */
export const settingsShape = {
  gateway_enabled: z.boolean(),
  gateway_timeout_seconds: int(10, 86400),
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

export const SettingsSchema = z.object(settingsShape).meta({ id: 'Settings' });
export type Settings = z.infer<typeof SettingsSchema>;
export type SettingKey = keyof Settings;

/** PUT body: every field optional and nullable (null is ignored except where it clears a value). */
export const SettingsUpdateSchema = z
  .object(
    Object.fromEntries(
      Object.entries(settingsShape).map(([k, v]) => [k, v.nullable().optional()]),
    ) as { [K in SettingKey]: z.ZodOptional<z.ZodNullable<(typeof settingsShape)[K]>> },
  )
  .strict()
  .meta({ id: 'SettingsUpdate' });
export type SettingsUpdate = z.infer<typeof SettingsUpdateSchema>;

/** Keys whose explicit `null` means "clear to the default" instead of "leave unchanged". */
export const NULLABLE_SETTING_KEYS: ReadonlySet<SettingKey> = new Set([
  'default_max_failed_restarts',
]);

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  gateway_enabled: true,
  gateway_timeout_seconds: 600,
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
});

export const SETTING_KEYS = Object.keys(settingsShape) as SettingKey[];
