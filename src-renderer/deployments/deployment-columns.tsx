// The deployments table's columns (TanStack Table definitions): what each shows and sorts by.
import { createColumnHelper } from '@tanstack/react-table';
import { errorCodeLabel, STATUS_LABELS } from '../../src-main/shared/deployment-errors.js';
import type { DeploymentRead } from '../../src-main/shared/deployments.js';
import { remainingText, statusColor } from './deployment-actions.js';
import { ExtendMenu } from './extend-menu.js';
import { RowActionsMenu, type DialogOpener } from './row-actions-menu.js';

const col = createColumnHelper<DeploymentRead>();

/** Status with what it is doing: load phase, pull %, wake in progress, and a failure's cause. */
export function StatusChip({ d }: { d: DeploymentRead }) {
  const extra =
    d.pull_percent !== null && d.status !== 'running'
      ? `pull ${Math.round(d.pull_percent)}%`
      : d.status === 'waking'
        ? null
        : d.detail;
  const cause = errorCodeLabel(d.error_code);
  // Plain elements where Mantine adds nothing: a table of 1000 rows renders many of these.
  return (
    <span className="cell-status" title={d.last_error ?? undefined}>
      <span
        className="status-chip"
        data-color={statusColor(d.status)}
        data-testid={`status-${d.id}`}
        data-state={d.status}
      >
        {STATUS_LABELS[d.status]}
      </span>
      {extra ? <span className="cell-dim">{extra}</span> : null}
      {cause ? (
        <span className="cell-cause" data-testid={`cause-${d.id}`} data-code={d.error_code}>
          {cause}
        </span>
      ) : null}
    </span>
  );
}

const fmt = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });

/** Every column; `now` drives the remaining time, `open` the row's dialogs. */
export function deploymentColumns(now: number, open: DialogOpener) {
  return [
    col.accessor('id', { header: 'ID', size: 60 }),
    col.accessor('served_model_name', {
      header: 'Model',
      size: 190,
      cell: (c) => (
        <span className="cell-truncate" title={c.row.original.model_name}>
          {c.getValue()}
        </span>
      ),
    }),
    col.accessor((d) => d.node_hostname ?? `#${d.node_id}`, {
      id: 'node',
      header: 'Node',
      size: 110,
    }),
    col.accessor('status', {
      header: 'Status',
      size: 170,
      cell: (c) => <StatusChip d={c.row.original} />,
    }),
    col.accessor((d) => (d.gpu_ids ?? []).join(','), {
      id: 'gpus',
      header: 'GPUs',
      size: 90,
      cell: (c) => `${c.getValue() || 'auto'} · ${c.row.original.gpu_memory_fraction}`,
    }),
    col.accessor('port', { header: 'Port', size: 70 }),
    col.accessor((d) => d.owner ?? '', { id: 'owner', header: 'Owner', size: 100 }),
    col.accessor((d) => (d.expires_at ? Date.parse(d.expires_at) : Number.MAX_SAFE_INTEGER), {
      id: 'remaining',
      header: 'Remaining',
      size: 120,
      cell: (c) => (
        <ExtendMenu d={c.row.original} label={remainingText(c.row.original.expires_at, now)} />
      ),
    }),
    col.accessor((d) => d.total_prompt_tokens + d.total_completion_tokens, {
      id: 'usage',
      header: 'Usage',
      size: 120,
      cell: (c) => {
        const d = c.row.original;
        return (
          <span
            className="cell-small"
            title={`${d.total_prompt_tokens} prompt / ${d.total_completion_tokens} completion tokens`}
          >
            {fmt.format(d.total_requests)} req · {fmt.format(c.getValue())} tok
          </span>
        );
      },
    }),
    col.accessor((d) => d.generation_tps ?? 0, {
      id: 'tps',
      header: 'tok/s',
      size: 70,
      cell: (c) => (c.row.original.generation_tps === null ? '—' : c.getValue().toFixed(1)),
    }),
    col.display({
      id: 'actions',
      header: 'Actions',
      size: 80,
      enableSorting: false,
      enableHiding: false,
      cell: (c) => <RowActionsMenu d={c.row.original} open={open} />,
    }),
  ];
}
