import {
  Badge,
  Button,
  Checkbox,
  Group,
  Modal,
  MultiSelect,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { z } from 'zod';
import { useApi } from '../hooks/use-api.js';
import { useConsole } from '../hooks/use-console.js';
import { attempt, errorText, notifyOk } from '../notify.js';
import { CreateKeyDialog } from './create-key-dialog.js';
import { ApiKeyReadSchema, isPermanent, type ApiKeyRead } from './keys-api.js';

/** "used 5 m ago" / "never used". */
function usedText(at: string | null | undefined): string {
  if (!at) return 'never used';
  const m = Math.max(0, Math.round((Date.now() - Date.parse(at)) / 60_000));
  return m < 60 ? `used ${m} m ago` : `used ${Math.round(m / 60)} h ago`;
}

/** Delete a key; the last permanent one needs an acknowledgement (the gateway opens). */
function DeleteKeyDialog({
  k,
  last,
  onClose,
}: {
  k: ApiKeyRead;
  last: boolean;
  onClose: () => void;
}) {
  const api = useApi();
  const [ack, setAck] = useState(false);
  return (
    <Modal opened onClose={onClose} title={`Delete key “${k.label}”?`}>
      <Stack>
        {last ? (
          <Checkbox
            checked={ack}
            onChange={(e) => setAck(e.currentTarget.checked)}
            label="This is the last permanent key: the gateway will accept requests without a key."
            data-testid="key-delete-ack"
          />
        ) : null}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button
            color="red"
            disabled={last && !ack}
            data-testid="key-delete-confirm"
            onClick={() =>
              void attempt('Delete failed', () =>
                api.send('DELETE', `/api/api-keys/${k.id}`, z.unknown()),
              ).then((r) => {
                if (r === null) return;
                notifyOk(`Deleted key ${k.label}`);
                onClose();
              })
            }
          >
            Delete
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** Edit a permanent key's scope (PATCH; null = all deployments). */
function EditScopeDialog({ k, onClose }: { k: ApiKeyRead; onClose: () => void }) {
  const api = useApi();
  const map = useConsole((s) => s.deployments);
  const options = useMemo(
    () =>
      Object.values(map).map((d) => ({
        value: String(d.id),
        label: `#${d.id} ${d.served_model_name}`,
      })),
    [map],
  );
  const [ids, setIds] = useState<string[]>((k.allowed_deployment_ids ?? []).map(String));
  return (
    <Modal opened onClose={onClose} title={`Scope of “${k.label}”`}>
      <Stack>
        <MultiSelect
          label="Deployments (none = all)"
          data={options}
          value={ids}
          onChange={setIds}
          searchable
        />
        <Group justify="flex-end">
          <Button
            onClick={() =>
              void attempt('Scope not saved', () =>
                api.send('PATCH', `/api/api-keys/${k.id}`, z.unknown(), {
                  body: { deployment_ids: ids.length ? ids.map(Number) : null },
                }),
              ).then((r) => r !== null && onClose())
            }
          >
            Save
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** API keys: permanent ones with scope and last use, temporary ones with time left. */
export function KeysPage() {
  const api = useApi();
  const version = useConsole((s) => s.keysVersion);
  const deployments = useConsole((s) => s.deployments);
  const [keys, setKeys] = useState<ApiKeyRead[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<ApiKeyRead | null>(null);
  const [editing, setEditing] = useState<ApiKeyRead | null>(null);
  const load = useCallback(async () => {
    try {
      setKeys(await api.send('GET', '/api/api-keys', ApiKeyReadSchema.array()));
      setError(null);
    } catch (err) {
      setError(errorText(err));
    }
  }, [api]);
  useEffect(() => void load(), [load, version]);
  const permanent = (keys ?? []).filter(isPermanent);
  const temporary = (keys ?? []).filter((k) => !isPermanent(k));
  const scopeText = (k: ApiKeyRead) =>
    k.allowed_deployment_ids === null
      ? 'all'
      : k.allowed_deployment_ids.length === 0
        ? 'none'
        : k.allowed_deployment_ids
            .map((id) => deployments[id]?.served_model_name ?? `#${id}`)
            .join(', ');
  const close = () => {
    setCreating(false);
    setDeleting(null);
    setEditing(null);
    void load();
  };
  return (
    <Stack data-testid="keys-page">
      <Group justify="space-between">
        <Title order={2} size="h3">
          API keys
        </Title>
        <Button onClick={() => setCreating(true)} data-testid="key-create-open">
          Create key
        </Button>
      </Group>
      {error ? (
        <Text c="red" role="alert">
          {error}
        </Text>
      ) : null}
      <Text size="sm" c="dimmed" data-testid="keys-hint">
        {permanent.length
          ? `${permanent.length} active key(s). All /v1 requests require a valid key.`
          : 'No API keys — the gateway is open to all requests.'}
      </Text>
      <Table data-testid="keys-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Label</Table.Th>
            <Table.Th>Key</Table.Th>
            <Table.Th>Scope</Table.Th>
            <Table.Th>Last use</Table.Th>
            <Table.Th>Actions</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {permanent.map((k) => (
            <Table.Tr key={k.id} data-testid={`key-row-${k.label}`}>
              <Table.Td>{k.label}</Table.Td>
              <Table.Td>
                <code>{k.prefix}…</code>
              </Table.Td>
              <Table.Td>{scopeText(k)}</Table.Td>
              <Table.Td>{usedText(k.last_used_at)}</Table.Td>
              <Table.Td>
                <Group gap={4}>
                  <Button size="compact-xs" variant="light" onClick={() => setEditing(k)}>
                    Edit scope
                  </Button>
                  <Button
                    size="compact-xs"
                    variant="light"
                    color="red"
                    onClick={() => setDeleting(k)}
                  >
                    Delete
                  </Button>
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {temporary.length ? (
        <details>
          <summary>Temporary keys ({temporary.length})</summary>
          <Stack gap={4} mt="xs">
            {temporary.map((k) => (
              <Group key={k.id} gap="xs">
                <Badge variant="outline">{k.label}</Badge>
                <code>{k.prefix}…</code>
                <Text size="xs">
                  {scopeText(k)} · expires {new Date(k.expires_at ?? 0).toLocaleTimeString()}
                </Text>
              </Group>
            ))}
          </Stack>
        </details>
      ) : null}
      {creating ? <CreateKeyDialog onClose={close} /> : null}
      {editing ? <EditScopeDialog k={editing} onClose={close} /> : null}
      {deleting ? (
        <DeleteKeyDialog
          k={deleting}
          last={isPermanent(deleting) && permanent.length === 1}
          onClose={close}
        />
      ) : null}
    </Stack>
  );
}
