import {
  Group,
  Progress,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useEffect, useState } from 'react';
import { z } from 'zod';
import { useApi } from '../hooks/use-api.js';
import { errorText } from '../notify.js';
import { USAGE_GROUPS, usageRows, type UsageGroup, type UsageRow } from './usage-api.js';

const RANGES = [
  { value: '24', label: 'Last 24 h' },
  { value: '168', label: 'Last 7 days' },
  { value: '720', label: 'Last 30 days' },
];
const fmt = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });

/** Token usage by owner, key, deployment or model over a time range, with a bar per group. */
export function UsagePage() {
  const api = useApi();
  const [groupBy, setGroupBy] = useState<UsageGroup>('owner');
  const [hours, setHours] = useState('24');
  const [rows, setRows] = useState<UsageRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    const to = new Date();
    const from = new Date(to.getTime() - Number(hours) * 3600_000);
    api
      .send('GET', '/api/usage', z.unknown(), {
        query: { group_by: groupBy, from: from.toISOString(), to: to.toISOString() },
      })
      .then(
        (b) => {
          if (cancelled) return;
          setRows(usageRows(b, groupBy));
          setError(null);
        },
        (err: unknown) => !cancelled && setError(errorText(err)),
      );
    return () => {
      cancelled = true;
    };
  }, [api, groupBy, hours]);
  const max = Math.max(1, ...(rows ?? []).map((r) => r.prompt_tokens + r.completion_tokens));
  return (
    <Stack data-testid="usage-page">
      <Title order={2} size="h3">
        Usage
      </Title>
      <Group>
        <SegmentedControl
          value={groupBy}
          onChange={(v) => setGroupBy(USAGE_GROUPS.find((g) => g === v) ?? 'owner')}
          data={USAGE_GROUPS.map((g) => ({ value: g, label: g.replace('_', ' ') }))}
          aria-label="Group by"
        />
        <Select
          aria-label="Time range"
          data={RANGES}
          value={hours}
          onChange={(v) => setHours(v ?? '24')}
          allowDeselect={false}
          w={160}
        />
      </Group>
      {error ? (
        <Text c="red" role="alert">
          {error}
        </Text>
      ) : null}
      {rows && rows.length === 0 ? <Text c="dimmed">No usage in this range.</Text> : null}
      {rows && rows.length ? (
        <Table data-testid="usage-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{groupBy.replace('_', ' ')}</Table.Th>
              <Table.Th>Requests</Table.Th>
              <Table.Th>Prompt</Table.Th>
              <Table.Th>Completion</Table.Th>
              <Table.Th w="35%">Tokens</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r) => (
              <Table.Tr key={r.group} data-testid={`usage-row-${r.group}`}>
                <Table.Td>{r.group}</Table.Td>
                <Table.Td>{fmt.format(r.requests)}</Table.Td>
                <Table.Td>{fmt.format(r.prompt_tokens)}</Table.Td>
                <Table.Td>{fmt.format(r.completion_tokens)}</Table.Td>
                <Table.Td>
                  <Progress.Root size="lg">
                    <Progress.Section
                      value={(r.prompt_tokens / max) * 100}
                      color="cyan"
                      aria-label={`${r.group} prompt tokens`}
                    />
                    <Progress.Section
                      value={(r.completion_tokens / max) * 100}
                      color="grape"
                      aria-label={`${r.group} completion tokens`}
                    />
                  </Progress.Root>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : null}
    </Stack>
  );
}
