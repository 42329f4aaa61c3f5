import { Badge, Button, Group, Paper, Progress, Stack, Tabs, Text, Title } from '@mantine/core';
import { useState } from 'react';
import type { NodeRead } from '../../src-main/shared/nodes.js';
import { useApi } from '../hooks/use-api.js';
import { useConsole } from '../hooks/use-console.js';
import { attempt, notifyOk } from '../notify.js';
import { z } from 'zod';
import { MaintenanceDialog } from './maintenance-dialog.js';
import { MetricsCharts } from './metrics-chart.js';
import { NodeSettings } from './node-settings.js';
import { PackagesPanel } from './packages-panel.js';
import { ResourceList, type Item } from './resource-list.js';
import { UploadPanel } from './upload-panel.js';

const enc = (v: unknown) => encodeURIComponent(String(v));
const untracked = (i: Item) => i.tracked === false;

/** Everything about one node: charts, settings, maintenance, leftovers, images and files. */
export function NodeDetail({ node }: { node: NodeRead }) {
  const api = useApi();
  const [maintenance, setMaintenance] = useState(false);
  const [filesVersion, setFilesVersion] = useState(0);
  const [imagesVersion, setImagesVersion] = useState(0);
  const transfers = useConsole((s) => s.transfersVersion);
  const base = `/api/nodes/${node.id}`;
  const disk = node.disk_usage;
  return (
    <Paper withBorder p="md" data-testid={`node-detail-${node.id}`}>
      <Stack>
        <Group justify="space-between">
          <Group gap="xs">
            <Title order={3} size="h4">
              {node.hostname}
            </Title>
            <Badge variant="light">{node.status}</Badge>
            {node.maintenance ? <Badge color="orange">cordoned</Badge> : null}
            {node.partial_maintenance ? (
              <Badge color="orange" variant="outline">
                GPUs cordoned: {node.maintenance_gpus.join(', ')}
              </Badge>
            ) : null}
          </Group>
          <Button
            variant="light"
            onClick={() => setMaintenance(true)}
            data-testid="maintenance-open"
          >
            Maintenance…
          </Button>
        </Group>
        <Text size="sm" c="dimmed">
          {node.ip_address}:{node.port} · agent {node.agent_version ?? '?'} ·{' '}
          {node.status_reason ?? 'no problems reported'}
        </Text>
        {disk ? (
          <div>
            <Text size="xs">
              Disk: {(disk.total_gb - disk.free_gb).toFixed(0)} / {disk.total_gb.toFixed(0)} GB used
              (HF cache {disk.hf_cache_gb.toFixed(1)} GB)
            </Text>
            <Progress
              value={disk.total_gb ? ((disk.total_gb - disk.free_gb) / disk.total_gb) * 100 : 0}
              aria-label="Disk used"
            />
          </div>
        ) : null}
        <NodeSettings node={node} />
        <MetricsCharts nodeId={node.id} />
        <Tabs defaultValue="files" keepMounted={false}>
          <Tabs.List>
            <Tabs.Tab value="files">Local models</Tabs.Tab>
            <Tabs.Tab value="cache">HF cache</Tabs.Tab>
            <Tabs.Tab value="images">Images</Tabs.Tab>
            <Tabs.Tab value="leftovers">
              Containers & processes (
              {node.rogue_container_count + node.rogue_process_count + node.rogue_artifact_count})
            </Tabs.Tab>
            <Tabs.Tab value="packages">Packages</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="files" pt="sm">
            <Stack>
              <UploadPanel nodeId={node.id} onDone={() => setFilesVersion((v) => v + 1)} />
              <ResourceList
                testId="transfers"
                path={`${base}/local-models/transfers`}
                version={transfers}
                rowKey="id"
                columns={[
                  { key: 'name', label: 'Transfer' },
                  { key: 'status', label: 'Status' },
                  { key: 'received_bytes', label: 'Bytes received' },
                  { key: 'total_bytes', label: 'Of' },
                  { key: 'error', label: 'Error' },
                ]}
              />
              <ResourceList
                testId="local-models"
                path={`${base}/local-models`}
                version={filesVersion}
                rowKey="name"
                columns={[
                  { key: 'name', label: 'Name' },
                  { key: 'path', label: 'Path' },
                  { key: 'size_mb', label: 'MB' },
                  { key: 'in_use', label: 'In use' },
                ]}
                actions={[
                  {
                    label: 'Delete',
                    method: 'DELETE',
                    path: (i) => `${base}/local-models/${enc(i.name)}`,
                    when: (i) => i.deletable === true && i.in_use !== true,
                  },
                ]}
              />
            </Stack>
          </Tabs.Panel>
          <Tabs.Panel value="cache" pt="sm">
            <ResourceList
              testId="hf-cache"
              path={`${base}/models/cache`}
              rowKey="name"
              columns={[
                { key: 'name', label: 'Repo' },
                { key: 'size_mb', label: 'MB' },
                { key: 'last_used_at', label: 'Last used' },
                { key: 'in_use', label: 'In use' },
              ]}
              actions={[
                {
                  label: 'Delete',
                  method: 'DELETE',
                  path: (i) => `${base}/models/cache/${String(i.name)}`,
                  when: (i) => i.in_use !== true,
                },
              ]}
            />
          </Tabs.Panel>
          <Tabs.Panel value="images" pt="sm">
            <Stack>
              <Group>
                <Button
                  size="xs"
                  variant="light"
                  onClick={() =>
                    void attempt('Prune failed', () =>
                      api.send('POST', `${base}/images/prune`, z.unknown()),
                    ).then((r) => {
                      if (r === null) return;
                      notifyOk('Unused images pruned');
                      setImagesVersion((v) => v + 1);
                    })
                  }
                >
                  Prune unused images
                </Button>
              </Group>
              <ResourceList
                testId="images"
                path={`${base}/images`}
                version={imagesVersion}
                rowKey="id"
                columns={[
                  { key: 'tags', label: 'Tags' },
                  { key: 'size_mb', label: 'MB' },
                  { key: 'runtimes', label: 'Runtimes' },
                ]}
                actions={[
                  { label: 'Delete', method: 'DELETE', path: (i) => `${base}/images/${enc(i.id)}` },
                ]}
              />
            </Stack>
          </Tabs.Panel>
          <Tabs.Panel value="leftovers" pt="sm">
            <Stack>
              <Text size="sm" fw={600}>
                Containers
              </Text>
              <ResourceList
                testId="containers"
                path={`${base}/containers`}
                rowKey="id"
                columns={[
                  { key: 'name', label: 'Name' },
                  { key: 'image', label: 'Image' },
                  { key: 'status', label: 'Status' },
                  { key: 'tracked', label: 'Tracked' },
                ]}
                actions={[
                  {
                    label: 'Stop',
                    method: 'POST',
                    path: (i) => `${base}/containers/${enc(i.id)}/stop`,
                    when: untracked,
                  },
                ]}
              />
              <Text size="sm" fw={600}>
                GPU processes
              </Text>
              <ResourceList
                testId="gpu-processes"
                path={`${base}/gpu-processes`}
                rowKey="pid"
                columns={[
                  { key: 'pid', label: 'PID' },
                  { key: 'gpu_index', label: 'GPU' },
                  { key: 'gpu_memory_mb', label: 'MB' },
                  { key: 'process_name', label: 'Process' },
                  { key: 'tracked', label: 'Tracked' },
                ]}
                actions={[
                  {
                    label: 'Kill',
                    method: 'POST',
                    path: (i) => `${base}/gpu-processes/${enc(i.pid)}/kill`,
                    when: untracked,
                  },
                ]}
              />
              <Text size="sm" fw={600}>
                Warm-cache artifacts
              </Text>
              <ResourceList
                testId="ram-sleepers"
                path={`${base}/warm-artifacts`}
                pick={(b) => (b as { ram_sleepers?: unknown }).ram_sleepers ?? []}
                rowKey="pid"
                columns={[
                  { key: 'pid', label: 'PID' },
                  { key: 'process_name', label: 'Process' },
                ]}
                actions={[
                  {
                    label: 'Kill',
                    method: 'POST',
                    path: (i) => `${base}/warm-artifacts/sleepers/${enc(i.pid)}/kill`,
                  },
                ]}
              />
              <ResourceList
                testId="disk-caches"
                path={`${base}/warm-artifacts`}
                pick={(b) => (b as { disk_caches?: unknown }).disk_caches ?? []}
                rowKey="name"
                columns={[
                  { key: 'name', label: 'Cache' },
                  { key: 'size_mb', label: 'MB' },
                ]}
                actions={[
                  {
                    label: 'Delete',
                    method: 'DELETE',
                    path: (i) => `${base}/warm-artifacts/caches/${enc(i.name)}`,
                  },
                ]}
              />
            </Stack>
          </Tabs.Panel>
          <Tabs.Panel value="packages" pt="sm">
            <PackagesPanel nodeId={node.id} />
          </Tabs.Panel>
        </Tabs>
      </Stack>
      {maintenance ? <MaintenanceDialog node={node} onClose={() => setMaintenance(false)} /> : null}
    </Paper>
  );
}
