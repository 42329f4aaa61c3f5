import { Alert, Anchor, Button, Group, Text } from '@mantine/core';
import { errorCodeLabel, STATUS_LABELS } from '../../src-main/shared/deployment-errors.js';
import type { DeploymentRead } from '../../src-main/shared/deployments.js';
import type { RowMap } from '../store/rows.js';

/** The deployment id a `#/deployments/<focus>` segment names, or null when it names none. */
export function focusedId(focus: string | null): number | null {
  return focus !== null && /^[1-9]\d{0,15}$/.test(focus) ? Number(focus) : null;
}

/**
 * What the `#/deployments/<id>` route (a desktop notification's click) points at: the deployment,
 * with its logs one click away, or a readable note when there is no such deployment.
 */
export function DeploymentFocus({
  focus,
  rows,
  loaded,
  onLogs,
}: {
  focus: string | null;
  rows: RowMap<DeploymentRead>;
  loaded: boolean;
  onLogs: (d: DeploymentRead) => void;
}) {
  if (focus === null || !loaded) return null;
  const id = focusedId(focus);
  const d = id === null ? undefined : rows[id];
  const showAll = (
    <Anchor href="#/deployments" size="sm" data-testid="focus-clear">
      Show all deployments
    </Anchor>
  );
  if (!d)
    return (
      <Alert color="yellow" mb="sm" role="alert" data-testid="focus-missing">
        <Group justify="space-between">
          <Text size="sm">
            {id === null
              ? `“${focus}” is not a deployment id.`
              : `There is no deployment #${id}: it was deleted or purged, or the link is wrong.`}
          </Text>
          {showAll}
        </Group>
      </Alert>
    );
  return (
    <Alert color="blue" mb="sm" data-testid="focus-banner" data-focus={d.id}>
      <Group justify="space-between">
        <Text size="sm">
          Deployment #{d.id} <b>{d.served_model_name}</b> on{' '}
          {d.node_hostname ?? `node #${d.node_id}`} is {STATUS_LABELS[d.status]}
          {d.error_code ? ` (${errorCodeLabel(d.error_code)})` : ''}
          {d.last_error ? `: ${d.last_error}` : ''}. Its row is highlighted below.
        </Text>
        <Group gap="xs">
          <Button size="xs" variant="light" onClick={() => onLogs(d)} data-testid="focus-logs">
            Logs
          </Button>
          {showAll}
        </Group>
      </Group>
    </Alert>
  );
}
