import { Group, Text, Title } from '@mantine/core';
import { useConsole } from '../hooks/use-console.js';
import { HealthIndicator } from './health-indicator.js';
import { StreamIndicator } from './stream-indicator.js';

export function HeaderBar() {
  const version = useConsole((s) => s.health?.version ?? null);
  return (
    <Group h="100%" px="md" justify="space-between" data-testid="header">
      <Group gap="xs">
        <img src="./favicon.svg" alt="" width={26} height={26} />
        <Title order={1} size="h4">
          Aerie
        </Title>
        <Text size="xs" c="dimmed" data-testid="app-version">
          {version ? `v${version}` : ''}
        </Text>
      </Group>
      <Group gap="xs">
        <HealthIndicator />
        <StreamIndicator />
      </Group>
    </Group>
  );
}
