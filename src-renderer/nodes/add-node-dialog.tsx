import { Modal, Stack, Text } from '@mantine/core';
import { CopyBlock } from '../deployments/copy-block.js';

/** The command that joins a GPU host to this control plane. */
export function agentCommand(controlPlane: string, token: string): string {
  return `npx aerie agent --control-plane ${controlPlane} --cluster-token ${token}`;
}

/** "Add a GPU node": the exact agent command for this control plane. */
export function AddNodeDialog({ onClose }: { onClose: () => void }) {
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
        <CopyBlock
          title="Agent command"
          text={agentCommand(origin, '"$(cat <data-dir>/cluster-token)"')}
          testId="add-node-command"
        />
        <Text size="xs" c="dimmed">
          The cluster token is the file <code>cluster-token</code> in the control plane&apos;s data
          directory (or the value given with <code>--cluster-token</code>).
        </Text>
      </Stack>
    </Modal>
  );
}
