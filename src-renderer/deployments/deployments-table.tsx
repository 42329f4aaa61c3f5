import {
  Checkbox,
  Group,
  Menu,
  Button,
  Table,
  Text,
  TextInput,
  UnstyledButton,
} from '@mantine/core';
import {
  flexRender,
  getCoreRowModel,
  useReactTable,
  type Row,
  type SortingState,
  type VisibilityState,
} from '@tanstack/react-table';
import {
  elementScroll,
  useVirtualizer,
  type Rect,
  type Virtualizer,
} from '@tanstack/react-virtual';
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import type { DeploymentRead } from '../../src-main/shared/deployments.js';
import { useNow } from '../hooks/use-now.js';
import { deploymentColumns } from './deployment-columns.js';
import { matchesQuery, sortRows } from './table-rows.js';
import type { DialogOpener } from './row-actions-menu.js';

const ROW_PX = 44;
/** The scroller fills the window below the header, the title and the toolbar (190 px of them). */
const SCROLL_OFFSET_PX = 190;
const SCROLL_MIN_PX = 300;
const SCROLL_STYLE = { height: `max(${SCROLL_MIN_PX}px, calc(100vh - ${SCROLL_OFFSET_PX}px))` };

/**
 * The scroller's size, as the virtualizer needs it, from a ResizeObserver only. The virtualizer's
 * own observer also reads the size when it mounts, which lays the table out before its rows are
 * rendered: the first render then lays out twice and renders twice. Here the first render takes
 * the size the style gives the scroller (`initialRect`), and the observer, which reports after
 * layout, corrects it if it differs.
 */
function observeScrollerRect(
  instance: Virtualizer<HTMLDivElement, Element>,
  cb: (rect: Rect) => void,
): (() => void) | undefined {
  const el = instance.scrollElement;
  if (!el) return undefined;
  const observer = new ResizeObserver(() => cb({ width: el.clientWidth, height: el.clientHeight }));
  observer.observe(el);
  return () => observer.disconnect();
}

/** Scrollers the virtualizer has written to. */
const written = new WeakSet<Element>();

/**
 * The virtualizer's scroll writes, less the first one to a scroller when it is at the top: the
 * virtualizer restores the offset when it mounts, and writing 0 to a new scroller (at 0 already)
 * would lay the table out before its rows are rendered.
 */
function scrollScroller(
  offset: number,
  options: { adjustments?: number; behavior?: ScrollBehavior },
  instance: Virtualizer<HTMLDivElement, Element>,
): void {
  const el = instance.scrollElement;
  if (el && !written.has(el)) {
    written.add(el);
    if (offset + (options.adjustments ?? 0) === 0) return;
  }
  elementScroll(offset, options, instance);
}

// Mantine's own table classes on plain elements: a Table.Tr / Table.Td per cell costs a Mantine
// Box each (props filtering, style props), about a third of the first render with 20 rows.
const TR_CLASS = `${Table.classes.tr} mantine-Table-tr row-fixed`;
const TD_CLASS = `${Table.classes.td} mantine-Table-td`;

/**
 * One row; re-rendered only when its deployment object, the columns (and clock) or its focus
 * change, so a live update of one deployment repaints one row.
 */
const DeploymentRow = memo(
  function DeploymentRow({
    row,
    focused,
  }: {
    row: Row<DeploymentRead>;
    columnsKey: string;
    focused: boolean;
  }) {
    return (
      <tr
        className={focused ? `${TR_CLASS} row-focused` : TR_CLASS}
        data-with-row-border
        data-hover
        data-testid={`deployment-row-${row.original.id}`}
        data-model={row.original.served_model_name}
        data-focused={focused || undefined}
        aria-current={focused || undefined}
      >
        {row.getVisibleCells().map((cell) => (
          <td key={cell.id} className={TD_CLASS}>
            {flexRender(cell.column.columnDef.cell, cell.getContext())}
          </td>
        ))}
      </tr>
    );
  },
  (a, b) =>
    a.row.original === b.row.original && a.columnsKey === b.columnsKey && a.focused === b.focused,
);

/**
 * Sortable, searchable, virtualized table of deployments with a column picker. `focusId` (the
 * `#/deployments/<id>` route) is highlighted and scrolled into view once, clearing a search that
 * hides it.
 */
export function DeploymentsTable({
  rows,
  open,
  focusId = null,
}: {
  rows: DeploymentRead[];
  open: DialogOpener;
  focusId?: number | null;
}) {
  const now = useNow(30_000);
  const columns = useMemo(() => deploymentColumns(now, open), [now, open]);
  const [sorting, setSorting] = useState<SortingState>([{ id: 'id', desc: true }]);
  const [search, setSearch] = useState('');
  const [visibility, setVisibility] = useState<VisibilityState>({});
  const filtered = useMemo(
    () => (search.trim() ? rows.filter((d) => matchesQuery(d, search)) : rows),
    [rows, search],
  );
  const sorted = useMemo(() => sortRows(filtered, sorting, columns), [filtered, sorting, columns]);
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({
    count: sorted.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_PX,
    overscan: 4,
    initialRect: {
      width: 0,
      height: Math.max(SCROLL_MIN_PX, window.innerHeight - SCROLL_OFFSET_PX),
    },
    observeElementRect: observeScrollerRect,
    scrollToFn: scrollScroller,
  });
  const items = virtual.getVirtualItems();
  // TanStack renders the rows on screen only; the search and the sort are done above.
  const onScreen = useMemo(() => {
    const out: DeploymentRead[] = [];
    for (const vi of items) {
      const d = sorted[vi.index];
      if (d) out.push(d);
    }
    return out;
  }, [items, sorted]);
  const table = useReactTable({
    data: onScreen,
    columns,
    state: { sorting, columnVisibility: visibility },
    onSortingChange: setSorting,
    onColumnVisibilityChange: setVisibility,
    manualSorting: true,
    getRowId: (d) => String(d.id),
    getCoreRowModel: getCoreRowModel(),
  });
  const model = table.getRowModel().rows;
  const focusIndex = focusId === null ? -1 : sorted.findIndex((d) => d.id === focusId);
  // A new search or sort starts at the top (skipped on mount: a deep link may scroll first).
  const mounted = useRef(false);
  useEffect(() => {
    if (mounted.current) virtual.scrollToOffset(0);
    mounted.current = true;
  }, [search, sorting, virtual]);
  const focusKnown = focusId !== null && rows.some((d) => d.id === focusId);
  // The id last scrolled to: live updates and the operator's own scrolling are left alone.
  const scrolledTo = useRef<number | null>(null);
  useEffect(() => {
    if (focusId === null) scrolledTo.current = null;
    if (focusId === null || !focusKnown || scrolledTo.current === focusId) return;
    if (focusIndex < 0) {
      setSearch('');
      return;
    }
    scrolledTo.current = focusId;
    virtual.scrollToIndex(focusIndex, { align: 'center' });
  }, [focusId, focusKnown, focusIndex, virtual]);
  const top = items[0]?.start ?? 0;
  const bottom = virtual.getTotalSize() - (items[items.length - 1]?.end ?? 0);
  const visible = table.getVisibleLeafColumns().length;
  const columnsKey = `${now}:${table
    .getVisibleLeafColumns()
    .map((c) => c.id)
    .join(',')}`;

  return (
    <div>
      <Group mb="xs" justify="space-between">
        <TextInput
          placeholder="Search model, node, owner, status…"
          aria-label="Search deployments"
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          w={320}
          data-testid="deployments-search"
        />
        <Group gap="xs">
          <Text size="sm" c="dimmed" data-testid="deployments-count">
            {sorted.length} of {rows.length}
          </Text>
          <Menu closeOnItemClick={false} withinPortal>
            <Menu.Target>
              <Button variant="default" size="xs">
                Columns
              </Button>
            </Menu.Target>
            <Menu.Dropdown>
              {table
                .getAllLeafColumns()
                .filter((c) => c.getCanHide())
                .map((c) => (
                  <Menu.Item key={c.id}>
                    <Checkbox
                      size="xs"
                      label={String(c.columnDef.header)}
                      checked={c.getIsVisible()}
                      onChange={c.getToggleVisibilityHandler()}
                    />
                  </Menu.Item>
                ))}
            </Menu.Dropdown>
          </Menu>
        </Group>
      </Group>
      <div
        ref={scroller}
        className="table-scroll"
        style={SCROLL_STYLE}
        data-testid="deployments-scroll"
      >
        <Table stickyHeader highlightOnHover data-testid="deployments-table" layout="fixed">
          <Table.Thead>
            {table.getHeaderGroups().map((hg) => (
              <Table.Tr key={hg.id}>
                {hg.headers.map((h) => {
                  const sorted = h.column.getIsSorted();
                  return (
                    <Table.Th
                      key={h.id}
                      w={h.getSize()}
                      aria-sort={
                        sorted === 'asc'
                          ? 'ascending'
                          : sorted === 'desc'
                            ? 'descending'
                            : undefined
                      }
                    >
                      {h.column.getCanSort() ? (
                        <UnstyledButton
                          onClick={h.column.getToggleSortingHandler()}
                          data-testid={`sort-${h.id}`}
                          className="th-sort"
                        >
                          {flexRender(h.column.columnDef.header, h.getContext())}
                          {sorted === 'asc' ? ' ▲' : sorted === 'desc' ? ' ▼' : ''}
                        </UnstyledButton>
                      ) : (
                        flexRender(h.column.columnDef.header, h.getContext())
                      )}
                    </Table.Th>
                  );
                })}
              </Table.Tr>
            ))}
          </Table.Thead>
          <Table.Tbody>
            {top > 0 ? (
              <tr aria-hidden="true">
                <td colSpan={visible} style={{ height: top, padding: 0, border: 0 }} />
              </tr>
            ) : null}
            {model.map((row) => (
              <DeploymentRow
                key={row.id}
                row={row}
                columnsKey={columnsKey}
                focused={row.original.id === focusId}
              />
            ))}
            {bottom > 0 ? (
              <tr aria-hidden="true">
                <td colSpan={visible} style={{ height: bottom, padding: 0, border: 0 }} />
              </tr>
            ) : null}
          </Table.Tbody>
        </Table>
        {rows.length === 0 ? (
          <Text c="dimmed" ta="center" p="lg" data-testid="deployments-empty">
            No deployments yet. Use “Deploy a model” to start one.
          </Text>
        ) : null}
      </div>
    </div>
  );
}
