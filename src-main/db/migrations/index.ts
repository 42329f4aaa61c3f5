import type { Compilable, Kysely } from 'kysely';
import * as m0001 from './0001-initial-schema.js';

/** One numbered schema change: the statements it runs, compiled for its checksum. */
export interface Migration {
  id: number;
  name: string;
  statements(db: Kysely<unknown>): Compilable[];
}

/** Every migration in order. An explicit list: a directory scan would break inside a bundle. */
export const MIGRATIONS: readonly Migration[] = [
  { id: 1, name: '0001-initial-schema', statements: m0001.statements },
];
