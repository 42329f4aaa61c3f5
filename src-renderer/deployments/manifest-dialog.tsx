import { Button, Group, Modal, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import {
  DeploymentManifestSchema,
  type DeploymentManifest,
  type DeploymentRead,
} from '../../src-main/shared/deployments.js';
import { useApi } from '../hooks/use-api.js';
import { errorText } from '../notify.js';
import { CopyBlock } from './copy-block.js';

/** Offers `text` as a file download (Blob URL; nothing leaves the page). */
export function downloadText(name: string, text: string, type = 'application/json'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** The reproducibility manifest: copy, download, or load into the deploy form. */
export function ManifestDialog({
  d,
  onClose,
  onLoad,
}: {
  d: DeploymentRead;
  onClose: () => void;
  onLoad: (m: DeploymentManifest) => void;
}) {
  const api = useApi();
  const [manifest, setManifest] = useState<DeploymentManifest | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api
      .send('GET', `/api/deployments/${d.id}/manifest`, DeploymentManifestSchema)
      .then(setManifest, (err: unknown) => setError(errorText(err)));
  }, [api, d.id]);
  const text = manifest ? JSON.stringify(manifest, null, 2) : '';
  return (
    <Modal opened onClose={onClose} title={`Manifest · ${d.served_model_name}`} size="lg">
      {error ? <Text c="red">{error}</Text> : null}
      {manifest ? (
        <>
          <CopyBlock title="manifest.json" text={text} testId="manifest-json" />
          <Group mt="md" justify="flex-end">
            <Button
              variant="default"
              onClick={() => downloadText(`aerie-manifest-${d.id}.json`, text)}
            >
              Download
            </Button>
            <Button onClick={() => onLoad(manifest)} data-testid="manifest-load">
              Load into deploy form
            </Button>
          </Group>
        </>
      ) : null}
    </Modal>
  );
}
