// The deployments table's search and sort over plain rows. TanStack's own row models build a Row
// object per deployment on every render (1000 rows: most of the first render), so the table
// filters and sorts here and hands TanStack only the rows on screen.
import type { SortingState } from '@tanstack/react-table';
import type { DeploymentRead } from '../../src-main/shared/deployments.js';

/** True when `d` matches `query` (model, served name, node, owner, status or id; any case). */
export function matchesQuery(d: DeploymentRead, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  return [
    d.model_name,
    d.served_model_name,
    d.node_hostname ?? '',
    d.owner ?? '',
    d.status,
    String(d.id),
  ].some((v) => v.toLowerCase().includes(q));
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** What sorting needs of a TanStack column definition: its id and its accessor. */
export interface SortableColumn {
  id?: string;
  accessorKey?: string;
  accessorFn?: (d: DeploymentRead, index: number) => unknown;
}

/** A column's value for `d`, as its accessor (key or function) reads it. */
function valueOf(def: SortableColumn, d: DeploymentRead): unknown {
  if (def.accessorFn) return def.accessorFn(d, 0);
  if (def.accessorKey) return d[def.accessorKey as keyof DeploymentRead];
  return undefined;
}

/** Sort text of a value: the columns' accessors give numbers and strings. */
const text = (v: unknown): string =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return collator.compare(text(a), text(b));
}

/**
 * `rows` sorted by `sorting` (TanStack's state: column ids in priority order), reading values
 * through the columns' accessors; numbers numerically, text in natural order; stable. Returns
 * `rows` itself when nothing applies.
 */
export function sortRows(
  rows: readonly DeploymentRead[],
  sorting: SortingState,
  columns: readonly SortableColumn[],
): readonly DeploymentRead[] {
  const keys = sorting.flatMap((s) => {
    const def = columns.find((c) => (c.id ?? c.accessorKey) === s.id);
    return def ? [{ def, sign: s.desc ? -1 : 1 }] : [];
  });
  if (keys.length === 0) return rows;
  const decorated = rows.map((d) => ({ d, v: keys.map((k) => valueOf(k.def, d)) }));
  decorated.sort((x, y) => {
    for (let i = 0; i < keys.length; i++) {
      const c = compare(x.v[i], y.v[i]);
      if (c !== 0) return c * (keys[i]?.sign ?? 1);
    }
    return 0;
  });
  return decorated.map((x) => x.d);
}
