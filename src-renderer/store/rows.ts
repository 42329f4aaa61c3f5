// Folding `deployments_changed` / `nodes_changed` rows into the console's maps. Pure, so the
// benchmark and the store share it: an event replaces the rows it names and drops the deleted.
import { DeploymentReadSchema, type DeploymentRead } from '../../src-main/shared/deployments.js';
import { NodeReadSchema, type NodeRead } from '../../src-main/shared/nodes.js';

/** Rows by id; a new object whenever a row changes so selectors re-render only then. */
export type RowMap<T> = Readonly<Record<number, T>>;

/** Parses rows with `parse` (dropping ones that do not match) and applies them to `map`. */
function fold<T extends { id: number }>(
  map: RowMap<T>,
  rows: readonly unknown[],
  deleted: readonly number[],
  parse: (row: unknown) => T | null,
): RowMap<T> {
  if (rows.length === 0 && deleted.length === 0) return map;
  const next: Record<number, T> = { ...map };
  for (const raw of rows) {
    const row = parse(raw);
    if (row) next[row.id] = row;
  }
  for (const id of deleted) delete next[id];
  return next;
}

const parseDeployment = (row: unknown): DeploymentRead | null => {
  const r = DeploymentReadSchema.safeParse(row);
  return r.success ? r.data : null;
};
const parseNode = (row: unknown): NodeRead | null => {
  const r = NodeReadSchema.safeParse(row);
  return r.success ? r.data : null;
};

/** Applies a `deployments_changed` event's rows. */
export function foldDeployments(
  map: RowMap<DeploymentRead>,
  rows: readonly unknown[],
  deleted: readonly number[],
): RowMap<DeploymentRead> {
  return fold(map, rows, deleted, parseDeployment);
}

/** Applies a `nodes_changed` event's rows. */
export function foldNodes(
  map: RowMap<NodeRead>,
  rows: readonly unknown[],
  deleted: readonly number[],
): RowMap<NodeRead> {
  return fold(map, rows, deleted, parseNode);
}

/** A list answer as a map by id. */
export function byId<T extends { id: number }>(rows: readonly T[]): RowMap<T> {
  return Object.fromEntries(rows.map((r) => [r.id, r]));
}
