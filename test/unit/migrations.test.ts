import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import { DatabaseOpenError, openDatabase } from '../../src-main/db/open-database.js';
import { MIGRATIONS } from '../../src-main/db/migrations/index.js';
import { migrate, migrationChecksums, MigrationError } from '../../src-main/db/migrator.js';

const TABLES = [
  'nodes',
  'deployments',
  'node_metrics',
  'deployment_configs',
  'settings',
  'api_keys',
  'usage_hourly',
  'webhook_deliveries',
  'audit_log',
  'schema_migrations',
];
const INDEXES = [
  'idx_deployments_node',
  'idx_deployments_status',
  'uq_active_node_port',
  'idx_node_metrics_node_time',
  'idx_node_metrics_time',
  'idx_api_keys_expires',
  'idx_usage_hourly_hour',
  'idx_usage_hourly_deployment',
  'idx_webhook_deliveries_due',
  'idx_audit_log_at',
];

const tmp = () => mkdtempSync(join(tmpdir(), 'aerie-db-'));
const names = (raw: BetterSqlite3.Database, type: string) =>
  raw.prepare('select name from sqlite_master where type = ?').pluck().all(type) as string[];

describe('database migrations', () => {
  it('migrates an empty database to every table and index of the data model', async () => {
    const store = openDatabase(join(tmp(), 'aerie.db'));
    expect(names(store.raw, 'table')).toEqual(expect.arrayContaining(TABLES));
    expect(names(store.raw, 'index')).toEqual(expect.arrayContaining(INDEXES));
    const cols = (t: string) =>
      (store.raw.prepare(`pragma table_info(${t})`).all() as { name: string }[]).map((c) => c.name);
    expect(cols('nodes')).toEqual(
      expect.arrayContaining([
        'status_reason',
        'maintenance_gpus',
        'warm_offload_enabled',
        'ram_cache_limit_mb',
      ]),
    );
    expect(cols('deployments')).toEqual(
      expect.arrayContaining([
        'served_model_name',
        'engine_args',
        'lora_modules',
        'pinned',
        'expires_at',
      ]),
    );
    expect(store.raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.raw.pragma('foreign_keys', { simple: true })).toBe(1);
    await store.close();
  });

  it('reserves a port per node only among active deployments', async () => {
    const store = openDatabase(':memory:');
    const now = new Date().toISOString();
    store.raw
      .prepare(
        "insert into nodes (hostname, ip_address, created_at) values ('gpu1', '10.0.0.1', ?)",
      )
      .run(now);
    const insert = store.raw.prepare(
      "insert into deployments (node_id, model_name, port, gpu_memory_fraction, status, created_at) values (1, 'm', 8001, 0.5, ?, ?)",
    );
    insert.run('stopped', now);
    insert.run('running', now);
    expect(() => insert.run('loading', now)).toThrow(/UNIQUE constraint failed/);
    insert.run('error', now);
    expect(() => insert.run('bogus', now)).toThrow(/CHECK constraint failed/);
    await store.close();
  });

  it('re-opens an existing database without re-running migrations and keeps its data', async () => {
    const file = join(tmp(), 'aerie.db');
    const first = openDatabase(file);
    first.raw
      .prepare(
        "insert into settings (key, value, updated_at) values ('default_port', '9001', 'now')",
      )
      .run();
    await first.close();
    const second = openDatabase(file);
    expect(second.raw.prepare('select count(*) from schema_migrations').pluck().get()).toBe(
      MIGRATIONS.length,
    );
    expect(
      second.raw.prepare("select value from settings where key = 'default_port'").pluck().get(),
    ).toBe('9001');
    await second.close();
  });

  it('refuses a database whose applied migration no longer matches its checksum', () => {
    const raw = new BetterSqlite3(':memory:');
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: raw }) });
    migrate(raw, db, MIGRATIONS);
    raw.prepare("update schema_migrations set checksum = 'deadbeef' where id = 1").run();
    expect(() => migrate(raw, db, MIGRATIONS)).toThrow(MigrationError);
    expect(() => migrate(raw, db, MIGRATIONS)).toThrow(/checksum deadbeef/);
  });

  it('refuses a database written by a newer version', () => {
    const raw = new BetterSqlite3(':memory:');
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: raw }) });
    migrate(raw, db, MIGRATIONS);
    raw.prepare("insert into schema_migrations values (999, '0999-future', 'x', 'now')").run();
    expect(() => migrate(raw, db, MIGRATIONS)).toThrow(/migration 999 .* newer version/);
  });

  it('gives every migration a stable checksum of its compiled SQL', () => {
    const db = new Kysely<unknown>({
      dialect: new SqliteDialect({ database: new BetterSqlite3(':memory:') }),
    });
    const a = migrationChecksums(db, MIGRATIONS);
    const b = migrationChecksums(db, MIGRATIONS);
    expect([...a.values()].every((c) => /^[0-9a-f]{64}$/.test(c))).toBe(true);
    expect(a).toEqual(b);
  });

  it('leaves a corrupt file untouched and says so', () => {
    const file = join(tmp(), 'aerie.db');
    const garbage = Buffer.from('this is not a database at all, just bytes '.repeat(200));
    writeFileSync(file, garbage);
    expect(() => openDatabase(file)).toThrow(DatabaseOpenError);
    expect(() => openDatabase(file)).toThrow(/corrupt or not an SQLite file/);
    expect(readFileSync(file).equals(garbage)).toBe(true);
  });

  it('refuses an SQLite database that is not an Aerie one', () => {
    const file = join(tmp(), 'other.db');
    const other = new BetterSqlite3(file);
    other.exec('create table customers (id integer)');
    other.close();
    expect(() => openDatabase(file)).toThrow(/not an Aerie one/);
  });
});

describe('migration 0002 (paused_disk, deployment tier columns)', () => {
  it('keeps the deployments of a version-1 database and reserves ports for exactly the ACTIVE statuses', async () => {
    const { ACTIVE, DEPLOYMENT_STATUSES } =
      await import('../../src-main/shared/deployment-status.js');
    const file = join(tmp(), 'aerie.db');
    const raw = new BetterSqlite3(file);
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: raw }) });
    migrate(raw, db, MIGRATIONS.slice(0, 1));
    raw.exec(
      "insert into nodes (hostname, ip_address, created_at) values ('n1', '10.0.0.1', '2026-01-01T00:00:00Z')",
    );
    raw.exec(
      "insert into deployments (node_id, model_name, port, gpu_memory_fraction, status, owner, created_at) values (1, 'org/m', 8001, 0.5, 'running', 'ana', '2026-01-01T00:00:00Z')",
    );
    expect(migrate(raw, db, MIGRATIONS.slice(0, 2))).toEqual(['0002-deployment-tiers']);
    expect(
      raw.prepare('select model_name, status, owner, warm, pause_tier from deployments').get(),
    ).toEqual({
      model_name: 'org/m',
      status: 'running',
      owner: 'ana',
      warm: 0,
      pause_tier: null,
    });
    const insert = raw.prepare(
      "insert into deployments (node_id, model_name, port, gpu_memory_fraction, status, created_at) values (1, 'x', ?, 0.1, ?, '2026-01-01T00:00:00Z')",
    );
    let port = 9000;
    for (const status of DEPLOYMENT_STATUSES) {
      port++;
      insert.run(port, status);
      const second = () => insert.run(port, status);
      if (ACTIVE.has(status)) expect(second, status).toThrow(/UNIQUE/);
      else expect(second, status).not.toThrow();
    }
    expect(() => insert.run(9999, 'bogus')).toThrow(/CHECK/);
    await db.destroy();
  });
});

describe('migration 0003 (gateway limits)', () => {
  it('adds the per-key limit columns and keeps the keys of a version-2 database', async () => {
    const file = join(tmp(), 'aerie.db');
    const raw = new BetterSqlite3(file);
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: raw }) });
    migrate(raw, db, MIGRATIONS.slice(0, 2));
    raw.exec(
      "insert into api_keys (label, prefix, key_hash, created_at) values ('ci', 'aerie-ab', 'h1', '2026-01-01T00:00:00Z')",
    );
    expect(migrate(raw, db, MIGRATIONS)).toEqual(['0003-gateway-limits']);
    expect(
      raw
        .prepare(
          'select label, rate_limit_rpm, rate_limit_tpm, token_budget, budget_period from api_keys',
        )
        .get(),
    ).toEqual({
      label: 'ci',
      rate_limit_rpm: null,
      rate_limit_tpm: null,
      token_budget: null,
      budget_period: null,
    });
    await db.destroy();
  });
});
