import { createHash } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { Migration } from './migrations/index.js';

/** Thrown when the database's migration history does not match this build. */
export class MigrationError extends Error {
  override name = 'MigrationError';
}

interface AppliedRow {
  id: number;
  name: string;
  checksum: string;
}

function compiled(db: Kysely<unknown>, m: Migration): { sql: string[]; checksum: string } {
  const sql = m.statements(db).map((s) => {
    const c = s.compile();
    if (c.parameters.length > 0)
      throw new MigrationError(`migration ${m.name} uses bound parameters`);
    return c.sql;
  });
  const checksum = createHash('sha256').update(sql.join(';\n')).digest('hex');
  return { sql, checksum };
}

/** The checksum of each known migration, by id (used by tests and diagnostics). */
export function migrationChecksums(
  db: Kysely<unknown>,
  migrations: readonly Migration[],
): Map<number, string> {
  return new Map(migrations.map((m) => [m.id, compiled(db, m).checksum]));
}

/**
 * Verifies every applied migration against its checksum, then applies the pending ones, each in
 * its own transaction. Returns the names applied. Throws MigrationError on any mismatch.
 */
export function migrate(
  raw: BetterSqlite3.Database,
  db: Kysely<unknown>,
  migrations: readonly Migration[],
  now: () => string = () => new Date().toISOString(),
): string[] {
  raw.exec(`create table if not exists schema_migrations (
    id integer primary key, name text not null, checksum text not null, applied_at text not null)`);
  const applied = raw
    .prepare('select id, name, checksum from schema_migrations order by id')
    .all() as AppliedRow[];
  const known = new Map(migrations.map((m) => [m.id, m]));
  for (const row of applied) {
    const m = known.get(row.id);
    if (!m)
      throw new MigrationError(
        `the database has migration ${row.id} (${row.name}), which this version of Aerie does not know; it was written by a newer version`,
      );
    const { checksum } = compiled(db, m);
    if (checksum !== row.checksum)
      throw new MigrationError(
        `migration ${row.id} (${row.name}) was applied with checksum ${row.checksum.slice(0, 12)}… but this build has ${checksum.slice(0, 12)}…; the schema history was altered`,
      );
  }
  const done = new Set(applied.map((r) => r.id));
  const ran: string[] = [];
  const insert = raw.prepare(
    'insert into schema_migrations (id, name, checksum, applied_at) values (?, ?, ?, ?)',
  );
  for (const m of [...migrations].sort((a, b) => a.id - b.id)) {
    if (done.has(m.id)) continue;
    const { sql, checksum } = compiled(db, m);
    raw.transaction(() => {
      for (const stmt of sql) raw.exec(stmt);
      insert.run(m.id, m.name, checksum, now());
    })();
    ran.push(m.name);
  }
  return ran;
}
