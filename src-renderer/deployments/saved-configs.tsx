import { ActionIcon, Button, Group, Select, TextInput } from '@mantine/core';
import { z } from 'zod';
import { useCallback, useEffect, useState } from 'react';
import { ConfigReadSchema, type ConfigRead } from '../../src-main/shared/configs.js';
import { useApi } from '../hooks/use-api.js';
import { attempt, notifyOk } from '../notify.js';

/** Save the form as a named config, load one, delete one (`/api/configs`). */
export function SavedConfigs({
  payload,
  onLoad,
}: {
  payload: () => Record<string, unknown>;
  onLoad: (p: Record<string, unknown>) => void;
}) {
  const api = useApi();
  const [configs, setConfigs] = useState<ConfigRead[]>([]);
  const [chosen, setChosen] = useState<string | null>(null);
  const [name, setName] = useState('');
  const reload = useCallback(async () => {
    const list = await attempt('Could not list saved configs', () =>
      api.send('GET', '/api/configs', ConfigReadSchema.array()),
    );
    if (list) setConfigs(list);
  }, [api]);
  useEffect(() => void reload(), [reload]);
  const current = configs.find((c) => String(c.id) === chosen);
  return (
    <Group gap="xs" align="flex-end" wrap="nowrap">
      <Select
        label="Saved configs"
        placeholder={configs.length ? 'Load…' : 'none saved'}
        data={configs.map((c) => ({ value: String(c.id), label: c.name }))}
        value={chosen}
        onChange={(v) => {
          setChosen(v);
          const c = configs.find((x) => String(x.id) === v);
          if (c) onLoad(c.payload);
        }}
        flex={1}
      />
      <ActionIcon
        size="lg"
        variant="subtle"
        color="red"
        disabled={!current}
        aria-label="Delete the chosen saved config"
        onClick={() =>
          current &&
          void attempt('Delete failed', () =>
            api.send('DELETE', `/api/configs/${current.id}`, z.unknown()),
          ).then(() => {
            setChosen(null);
            void reload();
          })
        }
      >
        ×
      </ActionIcon>
      <TextInput
        label="Save as"
        placeholder="name"
        value={name}
        onChange={(e) => setName(e.currentTarget.value)}
        flex={1}
      />
      <Button
        variant="default"
        disabled={!name.trim()}
        onClick={() =>
          void attempt('Save failed', () =>
            api.send('POST', '/api/configs', ConfigReadSchema, {
              body: { name: name.trim(), payload: payload() },
            }),
          ).then((c) => {
            if (!c) return;
            notifyOk(`Saved “${c.name}”`);
            setName('');
            void reload();
          })
        }
      >
        Save
      </Button>
    </Group>
  );
}
