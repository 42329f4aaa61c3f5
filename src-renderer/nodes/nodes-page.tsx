import {
  Badge,
  Button,
  Group,
  Progress,
  Stack,
  Table,
  Text,
  Title,
  UnstyledButton,
} from '@mantine/core';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { z } from 'zod';
import {
  DiscoveredListSchema,
  type DiscoveredNode,
  type NodeRead,
  type NodeStatus,
} from '../../src-main/shared/nodes.js';
import { useApi } from '../hooks/use-api.js';
import { useConsole } from '../hooks/use-console.js';
import { attempt, notifyOk } from '../notify.js';
import { AddNodeDialog } from './add-node-dialog.js';
import { NodeDetail } from './node-detail.js';

const STATUS_COLOR: Record<NodeStatus, string> = {
  online: 'teal',
  degraded: 'yellow',
  critical: 'red',
  maintenance: 'orange',
  unknown: 'gray',
};

/** One bar per GPU: memory used. */
function GpuBars({ node }: { node: NodeRead }) {
  return (
    <Stack gap={2} w={160}>
      {node.gpu_usage.map((g) => {
        const pct = g.memory_total_mb ? ((g.memory_used_mb ?? 0) / g.memory_total_mb) * 100 : 0;
        return (
          <Progress
            key={g.index}
            value={pct}
            size="sm"
            color={node.maintenance_gpus.includes(g.index) ? 'orange' : 'cyan'}
            aria-label={`GPU ${g.index} memory ${Math.round(pct)}%`}
            title={`GPU ${g.index} ${g.name}: ${Math.round(pct)}% memory, ${g.utilization ?? 0}% util`}
          />
        );
      })}
    </Stack>
  );
}

/** Agents waiting for approval (`auto_register_nodes` off). */
function Discovered() {
  const api = useApi();
  const [items, setItems] = useState<DiscoveredNode[]>([]);
  const load = useCallback(async () => {
    const r = await api
      .send('GET', '/api/nodes/discovered', DiscoveredListSchema)
      .catch(() => null);
    if (r) setItems(r.nodes);
  }, [api]);
  useEffect(() => {
    void load();
    const t = setInterval(() => void load(), 10_000);
    return () => clearInterval(t);
  }, [load]);
  if (!items.length) return null;
  return (
    <Stack gap="xs" data-testid="discovered-nodes">
      <Title order={3} size="h5">
        Discovered, not registered
      </Title>
      {items.map((d) => (
        <Group key={d.service_id} gap="xs">
          <Text size="sm">
            {d.node} · {d.address}:{d.port} ({d.source})
          </Text>
          <Button
            size="compact-xs"
            onClick={() =>
              void attempt('Register failed', () =>
                api.send('POST', '/api/nodes', z.unknown(), {
                  body: { ip_address: d.address, port: d.port },
                }),
              ).then((r) => {
                if (r === null) return;
                notifyOk(`Registered ${d.node}`);
                void load();
              })
            }
          >
            Register
          </Button>
        </Group>
      ))}
    </Stack>
  );
}

/** Nodes: status and reason, GPU bars, CPU/RAM; a node's detail below. */
export function NodesPage() {
  const map = useConsole((s) => s.nodes);
  const nodes = useMemo(
    () => Object.values(map).sort((a, b) => a.hostname.localeCompare(b.hostname)),
    [map],
  );
  const [selected, setSelected] = useState<number | null>(null);
  const [adding, setAdding] = useState(false);
  const node = selected !== null ? map[selected] : undefined;
  return (
    <Stack data-testid="nodes-page">
      <Group justify="space-between">
        <Title order={2} size="h3">
          Nodes
        </Title>
        <Button onClick={() => setAdding(true)} data-testid="add-node-open">
          Add a GPU node
        </Button>
      </Group>
      <Table data-testid="nodes-table" highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Node</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>GPUs (memory)</Table.Th>
            <Table.Th>CPU</Table.Th>
            <Table.Th>RAM</Table.Th>
            <Table.Th>Address</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {nodes.map((n) => (
            <Table.Tr key={n.id} data-testid={`node-row-${n.hostname}`} data-state={n.status}>
              <Table.Td>
                <UnstyledButton
                  className="linkish"
                  onClick={() => setSelected(n.id)}
                  aria-pressed={n.id === selected}
                  data-testid={`node-open-${n.hostname}`}
                >
                  {n.hostname}
                </UnstyledButton>
              </Table.Td>
              <Table.Td>
                <Group gap={4}>
                  <Badge
                    color={STATUS_COLOR[n.status]}
                    variant="light"
                    data-testid={`node-status-${n.hostname}`}
                  >
                    {n.status}
                  </Badge>
                  {n.status_reason ? (
                    <Text size="xs" c="dimmed">
                      {n.status_reason}
                    </Text>
                  ) : null}
                </Group>
              </Table.Td>
              <Table.Td>
                <GpuBars node={n} />
              </Table.Td>
              <Table.Td>{n.cpu_percent === null ? '—' : `${Math.round(n.cpu_percent)}%`}</Table.Td>
              <Table.Td>
                {n.memory_percent === null ? '—' : `${Math.round(n.memory_percent)}%`}
              </Table.Td>
              <Table.Td>
                {n.ip_address}:{n.port}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {nodes.length === 0 ? (
        <Text c="dimmed" ta="center">
          No nodes yet. “Add a GPU node” shows the command to run on a GPU host.
        </Text>
      ) : null}
      <Discovered />
      {node ? <NodeDetail key={node.id} node={node} /> : null}
      {adding ? <AddNodeDialog onClose={() => setAdding(false)} /> : null}
    </Stack>
  );
}
