import { Modal, Stack, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { SystemSetupSchema } from '../../src-main/shared/system.js';
import { useApi } from '../hooks/use-api.js';
import { errorText } from '../notify.js';
import { CopyBlock } from '../deployments/copy-block.js';

/**
 * "Add a GPU node": the exact agent command the control plane builds for this install (its LAN
 * address, the bundled agent's path, the cluster token), the one the first-run panel shows.
 */
export function AddNodeDialog({ onClose }: { onClose: () => void }) {
  const api = useApi();
  const [command, setCommand] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.send('GET', '/api/system/setup', SystemSetupSchema).then(
      (s) => setCommand(s.agent_command),
      (err: unknown) => setError(errorText(err)),
    );
  }, [api]);
  return (
    <Modal opened onClose={onClose} title="Add a GPU node" size="lg">
      <Stack>
        <Text size="sm">
          On the GPU host, with Node.js 20 and Docker or Podman installed, run the agent. It
          announces itself here and appears in the table within seconds.
        </Text>
        {command ? (
          <CopyBlock title="Agent command" text={command} testId="add-node-command" />
        ) : null}
        {error ? (
          <Text c="red" size="sm" role="alert">
            {error}
          </Text>
        ) : null}
        <Text size="xs" c="dimmed">
          The command carries the cluster token: share it only with hosts you trust.
        </Text>
      </Stack>
    </Modal>
  );
}
