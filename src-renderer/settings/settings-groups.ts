// How the settings are grouped into tabs. Every stored setting appears in exactly one group
// (a unit test would catch a new setting left out: see settings-groups usage in the page).
import type { StoredSettingKey } from '../../src-main/shared/settings.js';

export interface SettingsGroup {
  id: string;
  label: string;
  keys: StoredSettingKey[];
}

export const SETTINGS_GROUPS: SettingsGroup[] = [
  {
    id: 'deploy',
    label: 'Deploy defaults',
    keys: [
      'default_port',
      'default_gpu_fraction',
      'default_duration_choice',
      'default_vllm_version',
      'default_max_failed_restarts',
      'preferred_container_runtime',
      'start_timeout_seconds',
    ],
  },
  {
    id: 'gateway',
    label: 'Gateway & keys',
    keys: ['gateway_enabled', 'gateway_timeout_seconds', 'temp_api_key_ttl_seconds'],
  },
  {
    id: 'lifecycle',
    label: 'Expiry & warm cache',
    keys: ['expiry_warning_minutes', 'default_warm_offload_enabled', 'busy_guard_seconds'],
  },
  {
    id: 'fleet',
    label: 'Fleet & loops',
    keys: [
      'auto_register_nodes',
      'nodes_sync_interval_seconds',
      'deployments_sync_interval_seconds',
      'expiry_check_interval_seconds',
      'node_failure_threshold',
      'deployment_failure_threshold',
      'node_metrics_retention_hours',
    ],
  },
  { id: 'webhooks', label: 'Webhooks', keys: ['webhook_url'] },
];
