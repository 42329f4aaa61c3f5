import { Paper, Stack, Title } from '@mantine/core';
import { LoopsPanel } from '../components/loops-panel.js';
import { SettingsTable } from '../components/settings-table.js';
import { PurgeCard } from './purge-card.js';
import { SettingsEditor } from './settings-editor.js';

/** Settings: edit in tabs, the effective values and loop health, and the purge. */
export function SettingsPage() {
  return (
    <Stack data-testid="settings-page">
      <Title order={2} size="h3">
        Settings
      </Title>
      <Paper withBorder p="md">
        <SettingsEditor />
      </Paper>
      <LoopsPanel />
      <SettingsTable />
      <Paper withBorder p="md">
        <Title order={3} size="h5" mb="xs">
          Purge records
        </Title>
        <PurgeCard />
      </Paper>
    </Stack>
  );
}
