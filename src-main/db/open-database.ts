import { existsSync, statSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { MIGRATIONS } from './migrations/index.js';
import { migrate, MigrationError } from './migrator.js';
import type { Database } from './schema.js';
import { errorMessage } from '../shared/errors.js';

/** The open store: the raw handle (for pragmas and migrations) and the typed query builder. */
export interface Store {
  readonly raw: BetterSqlite3.Database;
  readonly db: Kysely<Database>;
  close(): Promise<void>;
}

/** Thrown when the database file cannot be used; the message names the file and the fix. */
export class DatabaseOpenError extends Error {
  override name = 'DatabaseOpenError';
}

const CORRUPT_CODES = new Set(['SQLITE_NOTADB', 'SQLITE_CORRUPT']);

/**
 * Opens (creating if absent) the SQLite file with WAL, foreign keys and a busy timeout, verifies
 * and applies migrations. Never overwrites an existing file it cannot read.
 */
export function openDatabase(file: string): Store {
  const existed = file !== ':memory:' && existsSync(file);
  if (existed && !statSync(file).isFile())
    throw new DatabaseOpenError(`database path ${file} exists but is not a file`);
  let raw: BetterSqlite3.Database;
  try {
    raw = new BetterSqlite3(file, { fileMustExist: false });
  } catch (err) {
    throw new DatabaseOpenError(`cannot open database ${file}: ${errorMessage(err)}`);
  }
  try {
    raw.pragma('busy_timeout = 5000');
    if (existed) {
      const tables = raw
        .prepare("select name from sqlite_master where type = 'table'")
        .pluck()
        .all() as string[];
      if (tables.length > 0 && !tables.includes('schema_migrations'))
        throw new DatabaseOpenError(
          `${file} is an SQLite database but not an Aerie one (no schema_migrations table); it was left untouched — choose another --data-dir`,
        );
    }
    if (file !== ':memory:') raw.pragma('journal_mode = WAL');
    raw.pragma('foreign_keys = ON');
    raw.pragma('synchronous = NORMAL');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
    migrate(raw, db as unknown as Kysely<unknown>, MIGRATIONS);
    return {
      raw,
      db,
      close: async () => {
        await db.destroy();
      },
    };
  } catch (err) {
    raw.close();
    const code = (err as { code?: string }).code;
    if (code && CORRUPT_CODES.has(code))
      throw new DatabaseOpenError(
        `database ${file} is corrupt or not an SQLite file (${errorMessage(err)}); it was left untouched — restore a backup or move it aside to start fresh`,
      );
    if (err instanceof MigrationError)
      throw new DatabaseOpenError(`database ${file}: ${err.message}`);
    if (err instanceof DatabaseOpenError) throw err;
    throw new DatabaseOpenError(`cannot open database ${file}: ${errorMessage(err)}`);
  }
}
