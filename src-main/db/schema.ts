import type { Generated } from 'kysely';

/** Table and column types of the SQLite store; JSON columns hold text. */
export interface NodesTable {
  id: Generated<number>;
  hostname: string;
  ip_address: string;
  port: number;
  status: string;
  status_reason: string | null;
  maintenance_gpus: string;
  gpu_usage: string;
  disk_usage: string | null;
  default_pip_packages: string;
  installed_packages: string;
  available_runtimes: string;
  container_runtime: string | null;
  warm_offload_enabled: number;
  ram_cache_limit_mb: number | null;
  default_vllm_version: string | null;
  agent_version: string | null;
  last_heartbeat_at: string | null;
  created_at: string;
}

export interface DeploymentsTable {
  id: Generated<number>;
  node_id: number;
  model_name: string;
  served_model_name: string | null;
  port: number;
  gpu_memory_fraction: number;
  gpu_ids: string | null;
  tensor_parallel_size: number | null;
  extra_args: string;
  env_vars: string;
  vllm_version: string | null;
  container_runtime: string | null;
  image_digest: string | null;
  extra_packages: string;
  engine_args: string;
  lora_modules: string;
  max_failed_restarts: number | null;
  pinned: number;
  status: string;
  last_error: string | null;
  detail: string | null;
  status_changed_at: string | null;
  total_prompt_tokens: number;
  total_completion_tokens: number;
  total_requests: number;
  prompt_tps: number | null;
  generation_tps: number | null;
  owner: string | null;
  duration_seconds: number | null;
  expires_at: string | null;
  created_at: string;
  /** 1 when launched warm (sleep mode on, behind the agent's wake proxy). */
  warm: number;
  pause_tier: 'ram' | 'disk' | null;
  error_code: string | null;
}

export interface NodeMetricsTable {
  id: Generated<number>;
  node_id: number;
  recorded_at: string;
  gpus: string;
  cpu_percent: number | null;
  memory_percent: number | null;
}

export interface DeploymentConfigsTable {
  id: Generated<number>;
  name: string;
  payload: string;
  created_at: string;
}

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: string;
}

export interface ApiKeysTable {
  id: Generated<number>;
  label: string;
  prefix: string;
  key_hash: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  allowed_deployment_ids: string | null;
  rate_limit_rpm: number | null;
  rate_limit_tpm: number | null;
  token_budget: number | null;
  budget_period: string | null;
}

export interface UsageHourlyTable {
  api_key_id: number;
  deployment_id: number;
  hour: string;
  model: string;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
}

export interface WebhookDeliveriesTable {
  id: Generated<number>;
  event: string;
  url: string;
  payload: string;
  status: string;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: string | null;
  created_at: string;
  delivered_at: string | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: string;
  actor: string;
  action: string;
  target_type: string;
  target_id: string | null;
  detail: string;
}

export interface Database {
  nodes: NodesTable;
  deployments: DeploymentsTable;
  node_metrics: NodeMetricsTable;
  deployment_configs: DeploymentConfigsTable;
  settings: SettingsTable;
  api_keys: ApiKeysTable;
  usage_hourly: UsageHourlyTable;
  webhook_deliveries: WebhookDeliveriesTable;
  audit_log: AuditLogTable;
}
