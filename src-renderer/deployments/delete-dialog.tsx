import { Button, Group, Modal, Text } from '@mantine/core';
import { useContext, useState } from 'react';
import { z } from 'zod';
import type { DeploymentRead } from '../../src-main/shared/deployments.js';
import { useApi } from '../hooks/use-api.js';
import { ConsoleContext } from '../hooks/use-console.js';
import { attempt, notifyOk } from '../notify.js';

/** Confirms deleting a stopped deployment's record (it also leaves every key's scope). */
export function DeleteDialog({ d, onClose }: { d: DeploymentRead; onClose: () => void }) {
  const api = useApi();
  const store = useContext(ConsoleContext);
  const [busy, setBusy] = useState(false);
  const remove = async () => {
    setBusy(true);
    const ok = await attempt('Delete failed', () =>
      api.send('DELETE', `/api/deployments/${d.id}`, z.object({ id: z.number() })),
    );
    setBusy(false);
    if (ok) {
      const rest = { ...store?.getState().deployments };
      delete rest[d.id];
      store?.setState({ deployments: rest });
      notifyOk(`Deleted deployment ${d.id}`);
      onClose();
    }
  };
  return (
    <Modal opened onClose={onClose} title={`Delete deployment ${d.id}?`}>
      <Text size="sm">
        The record of <b>{d.served_model_name}</b> on {d.node_hostname ?? 'its node'} goes away,
        with its usage totals; API keys scoped to it lose it.
      </Text>
      <Group justify="flex-end" mt="md">
        <Button variant="default" onClick={onClose}>
          Cancel
        </Button>
        <Button
          color="red"
          loading={busy}
          onClick={() => void remove()}
          data-testid="delete-confirm"
        >
          Delete
        </Button>
      </Group>
    </Modal>
  );
}
