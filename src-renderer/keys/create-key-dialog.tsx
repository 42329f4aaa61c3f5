import {
  Alert,
  Button,
  Group,
  Modal,
  MultiSelect,
  NumberInput,
  SegmentedControl,
  Stack,
  TextInput,
} from '@mantine/core';
import { useMemo, useState } from 'react';
import { useApi } from '../hooks/use-api.js';
import { useConsole } from '../hooks/use-console.js';
import { CopyBlock } from '../deployments/copy-block.js';
import { notifyError } from '../notify.js';
import { ApiKeyCreateSchema, ApiKeyCreatedSchema, type ApiKeyCreated } from './keys-api.js';

/** Create a key (label, scope, optional TTL); the raw key is shown once. */
export function CreateKeyDialog({ onClose }: { onClose: () => void }) {
  const api = useApi();
  const deploymentsMap = useConsole((s) => s.deployments);
  const options = useMemo(
    () =>
      Object.values(deploymentsMap).map((d) => ({
        value: String(d.id),
        label: `#${d.id} ${d.served_model_name}`,
      })),
    [deploymentsMap],
  );
  const [label, setLabel] = useState('');
  const [scope, setScope] = useState<'all' | 'some'>('all');
  const [ids, setIds] = useState<string[]>([]);
  const [ttl, setTtl] = useState<number | string>('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);
  const create = async () => {
    const body = {
      label,
      deployment_ids: scope === 'all' ? null : ids.map(Number),
      ...(typeof ttl === 'number' && { ttl_seconds: ttl }),
    };
    const parsed = ApiKeyCreateSchema.safeParse(body);
    if (!parsed.success) {
      setErrors(Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), i.message])));
      return;
    }
    try {
      setCreated(
        await api.send('POST', '/api/api-keys', ApiKeyCreatedSchema, { body: parsed.data }),
      );
    } catch (err) {
      notifyError('Key not created', err);
    }
  };
  return (
    <Modal opened onClose={onClose} title={created ? 'Key created' : 'Create an API key'}>
      {created ? (
        <Stack>
          <Alert color="yellow">Copy this key now. It will not be shown again.</Alert>
          <CopyBlock title={created.label} text={created.key} testId="created-key" />
          <Group justify="flex-end">
            <Button onClick={onClose}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <Stack>
          <TextInput
            label="Label"
            value={label}
            onChange={(e) => setLabel(e.currentTarget.value)}
            error={errors.label}
            data-testid="key-label"
          />
          <SegmentedControl
            value={scope}
            onChange={(v) => setScope(v === 'some' ? 'some' : 'all')}
            data={[
              { value: 'all', label: 'All deployments' },
              { value: 'some', label: 'Chosen deployments' },
            ]}
          />
          {scope === 'some' ? (
            <MultiSelect
              label="Deployments"
              data={options}
              value={ids}
              onChange={setIds}
              searchable
              data-testid="key-scope"
            />
          ) : null}
          <NumberInput
            label="Lifetime (seconds, empty = permanent)"
            value={ttl}
            onChange={setTtl}
            min={1}
            max={86400}
            error={errors.ttl_seconds}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button onClick={() => void create()} data-testid="key-create">
              Create
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
