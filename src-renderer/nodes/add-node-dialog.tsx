import { Modal, Stack, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { NodeJoinSchema } from '../../src-main/shared/nodes.js';
import { useApi } from '../hooks/use-api.js';
import { errorText } from '../notify.js';
import { CopyBlock } from '../deployments/copy-block.js';

/** The command that joins a GPU host to this control plane. */
export function agentCommand(controlPlane: string, token: string): string {
  return `npx aerie agent --control-plane ${controlPlane} --cluster-token ${token}`;
}

/** "Add a GPU node": the exact agent command for this control plane. */
export function AddNodeDialog({ onClose }: { onClose: () => void }) {
  const api = useApi();
  const [token, setToken] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.send('GET', '/api/nodes/join', NodeJoinSchema).then(
      (j) => setToken(j.cluster_token),
      (err: unknown) => setError(errorText(err)),
    );
  }, [api]);
  const origin = location.protocol.startsWith('http')
    ? location.origin
    : 'http://<aerie-host>:8000';
  return (
    <Modal opened onClose={onClose} title="Add a GPU node" size="lg">
      <Stack>
        <Text size="sm">
          On the GPU host, with Node.js 20 and Docker or Podman installed, run the agent. It
          announces itself here and appears in the table within seconds.
        </Text>
        {token ? (
          <CopyBlock
            title="Agent command"
            text={agentCommand(origin, token)}
            testId="add-node-command"
          />
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
