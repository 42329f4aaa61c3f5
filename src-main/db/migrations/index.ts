import type { Compilable, Kysely } from 'kysely';
import * as m0001 from './0001-initial-schema.js';
import * as m0002 from './0002-deployment-tiers.js';
import * as m0003 from './0003-gateway-limits.js';

/** One numbered schema change: the statements it runs, compiled for its checksum. */
export interface Migration {
  id: number;
  name: string;
  statements(db: Kysely<unknown>): Compilable[];
}

/** Every migration in order. An explicit list: a directory scan would break inside a bundle. */
export const MIGRATIONS: readonly Migration[] = [
  { id: 1, name: '0001-initial-schema', statements: m0001.statements },
  { id: 2, name: '0002-deployment-tiers', statements: m0002.statements },
  { id: 3, name: '0003-gateway-limits', statements: m0003.statements },
];
