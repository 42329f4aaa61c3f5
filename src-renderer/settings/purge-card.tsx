import { Button, Checkbox, Group, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { PURGE_TARGETS, PurgeResultSchema, type PurgeTarget } from '../../src-main/shared/admin.js';
import { useApi } from '../hooks/use-api.js';
import { attempt, notifyOk } from '../notify.js';

const PHRASE = 'purge';

/** Admin purge of database records, behind a typed confirmation; containers keep running. */
export function PurgeCard() {
  const api = useApi();
  const [targets, setTargets] = useState<PurgeTarget[]>([]);
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const run = async () => {
    const r = await attempt('Purge failed', () =>
      api.send('POST', '/api/admin/purge', PurgeResultSchema, { body: { targets } }),
    );
    if (!r) return;
    notifyOk(
      `Purged ${
        Object.entries(r.purged)
          .map(([k, n]) => `${n} ${k}`)
          .join(', ') || 'nothing'
      }`,
    );
    setOpen(false);
    setTyped('');
  };
  return (
    <Stack gap="xs" data-testid="purge-card">
      <Text size="sm" c="dimmed">
        Deletes database records; running containers are untouched and re-adopted. Nothing selected
        purges everything. Purging nodes also purges deployments and metrics.
      </Text>
      <Checkbox.Group value={targets} onChange={(v) => setTargets(v as PurgeTarget[])}>
        <Group>
          {PURGE_TARGETS.map((t) => (
            <Checkbox key={t} value={t} label={t} />
          ))}
        </Group>
      </Checkbox.Group>
      <Group>
        <Button color="red" variant="light" onClick={() => setOpen(true)} data-testid="purge-open">
          Purge…
        </Button>
      </Group>
      <Modal opened={open} onClose={() => setOpen(false)} title="Purge records">
        <Stack>
          <Text size="sm">
            This deletes {targets.length ? targets.join(', ') : 'every category'} from the database.
            Type <b>{PHRASE}</b> to confirm.
          </Text>
          <TextInput
            aria-label="Type purge to confirm"
            value={typed}
            onChange={(e) => setTyped(e.currentTarget.value)}
            data-testid="purge-typed"
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button
              color="red"
              disabled={typed.trim() !== PHRASE}
              onClick={() => void run()}
              data-testid="purge-confirm"
            >
              Purge
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
