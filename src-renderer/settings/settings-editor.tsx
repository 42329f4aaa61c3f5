import { Button, Group, PasswordInput, Stack, Tabs, Text } from '@mantine/core';
import { useState } from 'react';
import { SettingsSchema, type StoredSettingKey } from '../../src-main/shared/settings.js';
import { ApiError } from '../api/api-client.js';
import { useApi } from '../hooks/use-api.js';
import { useConsole } from '../hooks/use-console.js';
import { notifyError, notifyOk } from '../notify.js';
import { SettingField, type SettingValue } from './setting-field.js';
import { SETTINGS_GROUPS } from './settings-groups.js';

/** The settings in tabs; a 422 puts the server's message under the field it names. */
export function SettingsEditor() {
  const api = useApi();
  const settings = useConsole((s) => s.settings);
  const [draft, setDraft] = useState<Partial<Record<string, SettingValue>>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  if (!settings) return null;
  const value = (k: StoredSettingKey): SettingValue =>
    k in draft ? (draft[k] ?? null) : settings[k];
  const dirty = Object.keys(draft).length > 0;

  const save = async () => {
    setBusy(true);
    try {
      await api.send('PUT', '/api/settings', SettingsSchema, { body: draft });
      setDraft({});
      setErrors({});
      notifyOk('Settings saved');
    } catch (err) {
      if (err instanceof ApiError && err.issues.length) {
        const out: Record<string, string> = {};
        for (const i of err.issues) {
          const key = String(i.loc[i.loc.length > 1 ? 1 : 0] ?? 'form');
          out[key] ??= i.msg;
        }
        setErrors(out);
      } else notifyError('Settings not saved', err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack>
      <Tabs defaultValue="deploy" keepMounted={false}>
        <Tabs.List>
          {SETTINGS_GROUPS.map((g) => (
            <Tabs.Tab key={g.id} value={g.id} data-testid={`settings-tab-${g.id}`}>
              {g.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        {SETTINGS_GROUPS.map((g) => (
          <Tabs.Panel key={g.id} value={g.id} pt="sm">
            <Stack gap="xs" maw={480}>
              {g.keys.map((k) => (
                <SettingField
                  key={k}
                  k={k}
                  value={value(k)}
                  error={errors[k]}
                  onChange={(v) => {
                    setDraft((d) => ({ ...d, [k]: v }));
                    setErrors(({ [k]: _gone, ...rest }) => rest);
                  }}
                />
              ))}
              {g.id === 'webhooks' ? (
                <PasswordInput
                  label="webhook secret (write-only)"
                  description={settings.webhook_secret_set ? 'A secret is set.' : 'No secret set.'}
                  value={typeof draft.webhook_secret === 'string' ? draft.webhook_secret : ''}
                  onChange={(e) =>
                    setDraft((d) => ({ ...d, webhook_secret: e.currentTarget.value }))
                  }
                  error={errors.webhook_secret}
                />
              ) : null}
            </Stack>
          </Tabs.Panel>
        ))}
      </Tabs>
      {errors.form ? <Text c="red">{errors.form}</Text> : null}
      <Group>
        <Button
          onClick={() => void save()}
          disabled={!dirty}
          loading={busy}
          data-testid="settings-save"
        >
          Save changes
        </Button>
        <Button
          variant="default"
          disabled={!dirty}
          onClick={() => {
            setDraft({});
            setErrors({});
          }}
        >
          Discard
        </Button>
      </Group>
    </Stack>
  );
}
