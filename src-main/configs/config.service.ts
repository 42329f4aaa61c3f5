import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { conflict, notFound } from '../shared/errors.js';
import type { ConfigCreate, ConfigRead } from '../shared/configs.js';
import * as repo from './config.repository.js';

const present = (r: repo.ConfigRow): ConfigRead => ({
  id: r.id,
  name: r.name,
  payload: JSON.parse(r.payload) as Record<string, unknown>,
  created_at: r.created_at,
});

/** Saved deployment configurations: named JSON snapshots of the deploy form. */
export class ConfigService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async list(): Promise<ConfigRead[]> {
    return (await repo.listConfigs(this.db)).map(present);
  }

  /** Saves a config; throws 409 when the name is taken. */
  async create(input: ConfigCreate): Promise<ConfigRead> {
    if (await repo.findConfigByName(this.db, input.name))
      throw conflict(
        `A configuration named '${input.name}' already exists; choose another name or delete it first.`,
      );
    try {
      return present(
        await repo.insertConfig(this.db, {
          name: input.name,
          payload: JSON.stringify(input.payload),
          created_at: this.now().toISOString(),
        }),
      );
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE')
        throw conflict(
          `A configuration named '${input.name}' already exists; choose another name or delete it first.`,
        );
      throw err;
    }
  }

  /** Deletes a config; throws 404 for an unknown id. */
  async remove(id: number): Promise<void> {
    if ((await repo.deleteConfig(this.db, id)) === 0)
      throw notFound(`Configuration ${id} not found.`);
  }
}
