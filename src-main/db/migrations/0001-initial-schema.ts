import { sql, type Compilable, type Kysely } from 'kysely';

// Frozen: this migration's compiled SQL is checksummed; never edit it, add a new one instead.
const ACTIVE_STATUSES = [
  'starting',
  'loading',
  'running',
  'stopping',
  'paused_ram',
  'offloading',
  'waking',
];
const ALL_STATUSES = [
  'stopped',
  'starting',
  'loading',
  'running',
  'offloading',
  'paused_ram',
  'waking',
  'stopping',
  'error',
  'expired',
  'unreachable',
];
const NODE_STATUSES = ['online', 'degraded', 'critical', 'maintenance', 'unknown'];
const inList = (values: string[]) => sql.raw(values.map((v) => `'${v}'`).join(', '));

export function statements(db: Kysely<unknown>): Compilable[] {
  const s = db.schema;
  return [
    s
      .createTable('nodes')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('hostname', 'text', (c) => c.notNull().unique())
      .addColumn('ip_address', 'text', (c) => c.notNull())
      .addColumn('port', 'integer', (c) => c.notNull().defaultTo(9000))
      .addColumn('status', 'text', (c) => c.notNull().defaultTo('unknown'))
      .addColumn('status_reason', 'text')
      .addColumn('maintenance_gpus', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('gpu_usage', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('disk_usage', 'text')
      .addColumn('default_pip_packages', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('installed_packages', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('available_runtimes', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('container_runtime', 'text')
      .addColumn('warm_offload_enabled', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('ram_cache_limit_mb', 'integer')
      .addColumn('default_vllm_version', 'text')
      .addColumn('agent_version', 'text')
      .addColumn('last_heartbeat_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addCheckConstraint('nodes_status_check', sql`status in (${inList(NODE_STATUSES)})`),
    s
      .createTable('deployments')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('node_id', 'integer', (c) =>
        c.notNull().references('nodes.id').onDelete('cascade'),
      )
      .addColumn('model_name', 'text', (c) => c.notNull())
      .addColumn('served_model_name', 'text')
      .addColumn('port', 'integer', (c) => c.notNull())
      .addColumn('gpu_memory_fraction', 'real', (c) => c.notNull())
      .addColumn('gpu_ids', 'text')
      .addColumn('tensor_parallel_size', 'integer')
      .addColumn('extra_args', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('env_vars', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('vllm_version', 'text')
      .addColumn('container_runtime', 'text')
      .addColumn('image_digest', 'text')
      .addColumn('extra_packages', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('engine_args', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('lora_modules', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('max_failed_restarts', 'integer')
      .addColumn('pinned', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('status', 'text', (c) => c.notNull().defaultTo('stopped'))
      .addColumn('last_error', 'text')
      .addColumn('detail', 'text')
      .addColumn('status_changed_at', 'text')
      .addColumn('total_prompt_tokens', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('total_completion_tokens', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('total_requests', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('prompt_tps', 'real')
      .addColumn('generation_tps', 'real')
      .addColumn('owner', 'text')
      .addColumn('duration_seconds', 'integer')
      .addColumn('expires_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addCheckConstraint('deployments_status_check', sql`status in (${inList(ALL_STATUSES)})`),
    s.createIndex('idx_deployments_node').on('deployments').column('node_id'),
    s.createIndex('idx_deployments_status').on('deployments').column('status'),
    s
      .createIndex('uq_active_node_port')
      .on('deployments')
      .columns(['node_id', 'port'])
      .unique()
      .where(sql.ref('status'), 'in', ACTIVE_STATUSES),
    s
      .createTable('node_metrics')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('node_id', 'integer', (c) =>
        c.notNull().references('nodes.id').onDelete('cascade'),
      )
      .addColumn('recorded_at', 'text', (c) => c.notNull())
      .addColumn('gpus', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('cpu_percent', 'real')
      .addColumn('memory_percent', 'real'),
    s
      .createIndex('idx_node_metrics_node_time')
      .on('node_metrics')
      .columns(['node_id', 'recorded_at']),
    s.createIndex('idx_node_metrics_time').on('node_metrics').column('recorded_at'),
    s
      .createTable('deployment_configs')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull()),
    s
      .createTable('settings')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull()),
    s
      .createTable('api_keys')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('label', 'text', (c) => c.notNull())
      .addColumn('prefix', 'text', (c) => c.notNull())
      .addColumn('key_hash', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('last_used_at', 'text')
      .addColumn('expires_at', 'text')
      .addColumn('allowed_deployment_ids', 'text'),
    s.createIndex('idx_api_keys_expires').on('api_keys').column('expires_at'),
    s
      .createTable('usage_hourly')
      .addColumn('api_key_id', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('deployment_id', 'integer', (c) => c.notNull())
      .addColumn('hour', 'text', (c) => c.notNull())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('requests', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('prompt_tokens', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('completion_tokens', 'integer', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('usage_hourly_pk', ['api_key_id', 'deployment_id', 'hour']),
    s.createIndex('idx_usage_hourly_hour').on('usage_hourly').column('hour'),
    s
      .createIndex('idx_usage_hourly_deployment')
      .on('usage_hourly')
      .columns(['deployment_id', 'hour']),
    s
      .createTable('webhook_deliveries')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('event', 'text', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_status_code', 'integer')
      .addColumn('last_error', 'text')
      .addColumn('next_attempt_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('delivered_at', 'text')
      .addCheckConstraint(
        'webhook_status_check',
        sql`status in ('pending', 'delivered', 'failed')`,
      ),
    s
      .createIndex('idx_webhook_deliveries_due')
      .on('webhook_deliveries')
      .columns(['status', 'next_attempt_at']),
    s
      .createTable('audit_log')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('target_type', 'text', (c) => c.notNull())
      .addColumn('target_id', 'text')
      .addColumn('detail', 'text', (c) => c.notNull().defaultTo('{}')),
    s.createIndex('idx_audit_log_at').on('audit_log').column('at'),
  ];
}
