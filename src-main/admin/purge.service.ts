import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { badRequest } from '../shared/errors.js';
import type { EventBus } from '../events/event-bus.js';
import { createLogger } from '../logging/logger.js';
import { PURGE_TARGETS, type PurgeResult, type PurgeTarget } from '../shared/admin.js';

const log = createLogger('db');

/** Resolves requested targets: empty means all; `nodes` pulls in `deployments` and `metrics`. */
export function resolvePurgeTargets(
  requested: readonly string[] | null | undefined,
): Set<PurgeTarget> {
  if (!requested || requested.length === 0) return new Set(PURGE_TARGETS);
  const unknown = requested.filter((t) => !(PURGE_TARGETS as readonly string[]).includes(t));
  if (unknown.length > 0)
    throw badRequest(
      `Unknown purge target(s): ${unknown.join(', ')}. Valid targets: ${PURGE_TARGETS.join(', ')}.`,
    );
  const set = new Set(requested as PurgeTarget[]);
  if (set.has('nodes')) {
    set.add('deployments');
    set.add('metrics');
  }
  return set;
}

/** Deletes database records by category (children first); running containers are untouched. */
export class PurgeService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly bus: EventBus,
  ) {}

  async purge(requested: readonly string[] | null | undefined): Promise<PurgeResult> {
    const targets = resolvePurgeTargets(requested);
    const purged: PurgeResult['purged'] = {};
    let deploymentIds: number[] = [];
    let nodeIds: number[] = [];
    await this.db.transaction().execute(async (trx) => {
      if (targets.has('deployments')) {
        deploymentIds = (await trx.deleteFrom('deployments').returning('id').execute()).map(
          (r) => r.id,
        );
        purged.deployments = deploymentIds.length;
      }
      if (targets.has('metrics')) {
        const r = await trx.deleteFrom('node_metrics').executeTakeFirst();
        purged.metrics = Number(r.numDeletedRows);
      }
      if (targets.has('nodes')) {
        nodeIds = (await trx.deleteFrom('nodes').returning('id').execute()).map((r) => r.id);
        purged.nodes = nodeIds.length;
      }
      if (targets.has('configs')) {
        const r = await trx.deleteFrom('deployment_configs').executeTakeFirst();
        purged.configs = Number(r.numDeletedRows);
      }
    });
    log.info('purged records', { purged });
    if (targets.has('deployments'))
      this.bus.emit({
        type: 'deployments_changed',
        ids: deploymentIds,
        deployments: [],
        deleted: deploymentIds,
      });
    if (targets.has('nodes') || targets.has('metrics'))
      this.bus.emit({ type: 'nodes_changed', ids: nodeIds, nodes: [], deleted: nodeIds });
    return { purged };
  }
}
