import { Button, Group, NumberInput, Select, Switch } from '@mantine/core';
import { useState } from 'react';
import { z } from 'zod';
import type { NodeRead } from '../../src-main/shared/nodes.js';
import { useApi } from '../hooks/use-api.js';
import { attempt, notifyOk } from '../notify.js';

/** Runtime override, warm-cache switch and RAM budget of one node. */
export function NodeSettings({ node }: { node: NodeRead }) {
  const api = useApi();
  const [budget, setBudget] = useState<number | string>(node.ram_cache_limit_mb ?? '');
  const post = (path: string, body: unknown, done: string) =>
    void attempt('Node change failed', () =>
      api.send('POST', `/api/nodes/${node.id}/${path}`, z.unknown(), { body }),
    ).then((r) => r !== null && notifyOk(done));
  return (
    <Group align="flex-end" gap="md">
      <Select
        label="Container runtime"
        data={[
          { value: 'auto', label: 'automatic' },
          ...node.available_runtimes.map((r) => ({ value: r, label: r })),
        ]}
        value={node.container_runtime ?? 'auto'}
        onChange={(v) =>
          post('runtime', { runtime: v === 'auto' ? null : v }, `Runtime: ${v ?? 'automatic'}`)
        }
        allowDeselect={false}
        w={180}
      />
      <Switch
        label="Warm cache (auto-offload)"
        checked={node.warm_offload_enabled}
        onChange={(e) =>
          post(
            'warm-cache',
            { enabled: e.currentTarget.checked, ram_cache_limit_mb: node.ram_cache_limit_mb },
            e.currentTarget.checked ? 'Warm cache on' : 'Warm cache off',
          )
        }
      />
      <NumberInput
        label="RAM budget (MB)"
        placeholder="automatic"
        value={budget}
        onChange={setBudget}
        min={0}
        w={160}
      />
      <Button
        variant="default"
        onClick={() =>
          post(
            'warm-cache',
            {
              enabled: node.warm_offload_enabled,
              ram_cache_limit_mb: typeof budget === 'number' ? budget : null,
            },
            'RAM budget saved',
          )
        }
      >
        Save budget
      </Button>
    </Group>
  );
}
