import { Button, Checkbox, Group, Modal, Radio, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { NodeReadSchema, type NodeRead } from '../../src-main/shared/nodes.js';
import { useApi } from '../hooks/use-api.js';
import { attempt, notifyOk } from '../notify.js';

/** Cordon or uncordon GPUs (none ticked = the whole node), optionally draining deployments. */
export function MaintenanceDialog({ node, onClose }: { node: NodeRead; onClose: () => void }) {
  const api = useApi();
  const [gpus, setGpus] = useState<string[]>([]);
  const [mode, setMode] = useState<'cordon' | 'uncordon'>(node.maintenance ? 'uncordon' : 'cordon');
  const [drain, setDrain] = useState(false);
  const [busy, setBusy] = useState(false);
  const apply = async () => {
    setBusy(true);
    const r = await attempt('Maintenance failed', () =>
      api.send(
        'POST',
        `/api/nodes/${node.id}/maintenance`,
        NodeReadSchema.partial().passthrough(),
        {
          body: {
            gpu_ids: gpus.map(Number),
            enabled: mode === 'cordon',
            drain: mode === 'cordon' && drain,
          },
        },
      ),
    );
    setBusy(false);
    if (r === null) return;
    notifyOk(
      `${node.hostname}: ${mode === 'cordon' ? 'cordoned' : 'uncordoned'}${drain ? ' and drained' : ''}`,
    );
    onClose();
  };
  return (
    <Modal opened onClose={onClose} title={`Maintenance · ${node.hostname}`}>
      <Stack>
        <Radio.Group
          value={mode}
          onChange={(v) => setMode(v === 'uncordon' ? 'uncordon' : 'cordon')}
          label="Action"
        >
          <Group mt={4}>
            <Radio value="cordon" label="Cordon (no new deployments)" data-testid="maint-cordon" />
            <Radio value="uncordon" label="Uncordon" data-testid="maint-uncordon" />
          </Group>
        </Radio.Group>
        <Checkbox.Group value={gpus} onChange={setGpus} label="GPUs (none ticked: the whole node)">
          <Group mt={4}>
            {node.gpu_usage.map((g) => (
              <Checkbox
                key={g.index}
                value={String(g.index)}
                label={`GPU ${g.index}${node.maintenance_gpus.includes(g.index) ? ' (cordoned)' : ''}`}
              />
            ))}
          </Group>
        </Checkbox.Group>
        {mode === 'cordon' ? (
          <Checkbox
            label="Drain: stop the deployments on these GPUs"
            checked={drain}
            onChange={(e) => setDrain(e.currentTarget.checked)}
            data-testid="maint-drain"
          />
        ) : null}
        <Text size="xs" c="dimmed">
          Cordoned GPUs take no new deployments; running ones keep serving unless drained.
        </Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={() => void apply()} loading={busy} data-testid="maint-apply">
            Apply
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
