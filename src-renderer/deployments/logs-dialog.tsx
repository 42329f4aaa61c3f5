import { Button, Group, Modal, ScrollArea, Switch, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { DeploymentLogsSchema, type DeploymentRead } from '../../src-main/shared/deployments.js';
import { useApi } from '../hooks/use-api.js';
import { errorText, notifyError } from '../notify.js';
import { downloadText } from './manifest-dialog.js';

const TAIL_MS = 2000;

/** The last 500 log lines, re-read every 2 s while "Follow" is on; the full file downloads. */
export function LogsDialog({ d, onClose }: { d: DeploymentRead; onClose: () => void }) {
  const api = useApi();
  const [lines, setLines] = useState<string[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [follow, setFollow] = useState(true);
  useEffect(() => {
    let stopped = false;
    const read = async () => {
      try {
        const logs = await api.send('GET', `/api/deployments/${d.id}/logs`, DeploymentLogsSchema, {
          query: { tail: 500 },
        });
        if (!stopped) {
          setLines(logs.lines);
          setError(null);
        }
      } catch (err) {
        if (!stopped) setError(errorText(err));
      }
    };
    void read();
    const t = follow ? setInterval(() => void read(), TAIL_MS) : undefined;
    return () => {
      stopped = true;
      clearInterval(t);
    };
  }, [api, d.id, follow]);
  // Through the API client (not a plain link) so the admin token and the IPC bridge apply.
  const download = async () => {
    const res = await api.transport.request({
      method: 'GET',
      path: `/api/deployments/${d.id}/logs/download`,
    });
    if (res.status !== 200 || typeof res.body !== 'string')
      notifyError('Download failed', new Error(`HTTP ${res.status}`));
    else downloadText(`deployment-${d.id}.log`, res.body, 'text/plain');
  };
  return (
    <Modal opened onClose={onClose} title={`Logs · ${d.served_model_name} (#${d.id})`} size="xl">
      <Group justify="space-between" mb="xs">
        <Switch
          label="Follow (live tail)"
          checked={follow}
          onChange={(e) => setFollow(e.currentTarget.checked)}
        />
        <Button
          variant="subtle"
          size="xs"
          onClick={() => void download()}
          data-testid="logs-download"
        >
          Download full log
        </Button>
      </Group>
      {error ? (
        <Text c="red" role="alert">
          {error}
        </Text>
      ) : null}
      <ScrollArea h={420} type="auto">
        <pre className="logs" data-testid="logs-lines">
          {lines === null ? 'Loading…' : lines.length === 0 ? '(no output yet)' : lines.join('\n')}
        </pre>
      </ScrollArea>
    </Modal>
  );
}
