import { Button, Group, Table, Text } from '@mantine/core';
import { useCallback, useEffect, useRef, useState } from 'react';
import { z } from 'zod';
import type { IpcRequest } from '../../src-main/shared/ipc.js';
import { useApi } from '../hooks/use-api.js';
import { attempt, errorText, notifyOk } from '../notify.js';

/** A row of an agent listing, as the console shows it (fields by name). */
export type Item = Record<string, unknown>;

export interface ItemAction {
  label: string;
  method: IpcRequest['method'];
  path: (item: Item) => string;
  /** Shown only when true for the row (e.g. untracked containers only). */
  when?: (item: Item) => boolean;
}

const ItemsSchema = z.array(z.record(z.string(), z.unknown()));

function show(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  if (Array.isArray(v)) return v.map(show).join(', ');
  return JSON.stringify(v);
}

/** A node listing (`GET path`) with per-row actions; re-read after each action or `version`. */
export function ResourceList({
  path,
  pick,
  columns,
  actions = [],
  rowKey,
  testId,
  version = 0,
}: {
  path: string;
  /** Where the array is in the answer (warm artifacts nest two). */
  pick?: (body: unknown) => unknown;
  columns: { key: string; label: string }[];
  actions?: ItemAction[];
  rowKey: string;
  testId: string;
  version?: number;
}) {
  const api = useApi();
  const [items, setItems] = useState<Item[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Callers pass `pick` inline; a ref keeps it out of the effect's dependencies.
  const pickRef = useRef(pick);
  pickRef.current = pick;
  const load = useCallback(async () => {
    try {
      const body = await api.send('GET', path, z.unknown());
      const f = pickRef.current;
      setItems(ItemsSchema.parse(f ? f(body) : body));
      setError(null);
    } catch (err) {
      setError(errorText(err));
    }
  }, [api, path]);
  useEffect(() => void load(), [load, version]);
  if (error)
    return (
      <Text c="red" size="sm" role="alert">
        {error}
      </Text>
    );
  if (!items) return <Text size="sm">Loading…</Text>;
  if (items.length === 0)
    return (
      <Text size="sm" c="dimmed" data-testid={testId}>
        Nothing here.
      </Text>
    );
  return (
    <Table data-testid={testId} striped>
      <Table.Thead>
        <Table.Tr>
          {columns.map((c) => (
            <Table.Th key={c.key}>{c.label}</Table.Th>
          ))}
          {actions.length ? <Table.Th>Actions</Table.Th> : null}
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {items.map((item) => (
          <Table.Tr key={show(item[rowKey])}>
            {columns.map((c) => (
              <Table.Td key={c.key}>{show(item[c.key])}</Table.Td>
            ))}
            {actions.length ? (
              <Table.Td>
                <Group gap={4}>
                  {actions
                    .filter((a) => a.when?.(item) ?? true)
                    .map((a) => (
                      <Button
                        key={a.label}
                        size="compact-xs"
                        variant="light"
                        color="red"
                        onClick={() =>
                          void attempt(`${a.label} failed`, () =>
                            api.send(a.method, a.path(item), z.unknown()),
                          ).then((r) => {
                            if (r === null) return;
                            notifyOk(`${a.label}: ${show(item[rowKey])}`);
                            void load();
                          })
                        }
                      >
                        {a.label}
                      </Button>
                    ))}
                </Group>
              </Table.Td>
            ) : null}
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
