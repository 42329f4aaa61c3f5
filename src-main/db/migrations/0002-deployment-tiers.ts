import { sql, type Compilable, type Kysely } from 'kysely';

// Frozen: this migration's compiled SQL is checksummed; never edit it, add a new one instead.
// Adds the `paused_disk` status (vLLM sleep level 2) to the status check and to the port
// reservation, and the columns the control plane keeps per deployment: whether it was launched
// warm, its pause tier and its failure class. SQLite cannot change a check constraint in place,
// so the table is rebuilt (nothing references `deployments`).
const ACTIVE_STATUSES = [
  'starting',
  'loading',
  'running',
  'stopping',
  'paused_ram',
  'paused_disk',
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
  'paused_disk',
  'waking',
  'stopping',
  'error',
  'expired',
  'unreachable',
];
const inList = (values: string[]) => sql.raw(values.map((v) => `'${v}'`).join(', '));

const COLUMNS = [
  'id',
  'node_id',
  'model_name',
  'served_model_name',
  'port',
  'gpu_memory_fraction',
  'gpu_ids',
  'tensor_parallel_size',
  'extra_args',
  'env_vars',
  'vllm_version',
  'container_runtime',
  'image_digest',
  'extra_packages',
  'engine_args',
  'lora_modules',
  'max_failed_restarts',
  'pinned',
  'status',
  'last_error',
  'detail',
  'status_changed_at',
  'total_prompt_tokens',
  'total_completion_tokens',
  'total_requests',
  'prompt_tps',
  'generation_tps',
  'owner',
  'duration_seconds',
  'expires_at',
  'created_at',
] as const;

// Migrations never import the app's table types: this one speaks of exactly two tables.
type Tables = Record<'deployments' | 'deployments_new', Record<(typeof COLUMNS)[number], unknown>>;

export function statements(untyped: Kysely<unknown>): Compilable[] {
  const db = untyped as unknown as Kysely<Tables>;
  const s = db.schema;
  return [
    s
      .createTable('deployments_new')
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
      .addColumn('warm', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('pause_tier', 'text')
      .addColumn('error_code', 'text')
      .addCheckConstraint('deployments_status_check', sql`status in (${inList(ALL_STATUSES)})`)
      .addCheckConstraint('deployments_pause_tier_check', sql`pause_tier in ('ram', 'disk')`),
    db
      .insertInto('deployments_new')
      .columns([...COLUMNS])
      .expression(db.selectFrom('deployments').select([...COLUMNS])),
    s.dropTable('deployments'),
    s.alterTable('deployments_new').renameTo('deployments'),
    s.createIndex('idx_deployments_node').on('deployments').column('node_id'),
    s.createIndex('idx_deployments_status').on('deployments').column('status'),
    s
      .createIndex('uq_active_node_port')
      .on('deployments')
      .columns(['node_id', 'port'])
      .unique()
      .where(sql.ref('status'), 'in', ACTIVE_STATUSES),
  ];
}
