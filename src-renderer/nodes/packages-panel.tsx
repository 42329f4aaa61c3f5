import { Button, FileButton, Group, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import {
  isPackageFileName,
  PACKAGE_FILE_RULE,
  PACKAGE_SUFFIXES,
  PackageUploadReplySchema,
} from '../../src-main/shared/agent-protocol/files.js';
import { canUpload, uploadBytes } from '../api/upload.js';
import { notifyError, notifyOk } from '../notify.js';
import { ResourceList } from './resource-list.js';
import { UploadProgress, type UploadState } from './upload-progress.js';

/**
 * A node's package cache (wheels, vLLM plugins, source archives, mounted at `/packages` in every
 * container): the list, and an upload with byte progress (`POST …/packages/upload`, multipart
 * field `file`), checked against the agent's own file-name rule before a byte is sent.
 */
export function PackagesPanel({ nodeId }: { nodeId: number }) {
  const [version, setVersion] = useState(0);
  const [progress, setProgress] = useState<UploadState | null>(null);
  const base = `/api/nodes/${nodeId}/packages`;

  const upload = async (file: File | null) => {
    if (!file) return;
    if (!isPackageFileName(file.name)) {
      notifyError(
        'Package not uploaded',
        new Error(`Unsupported package file ${JSON.stringify(file.name)}: ${PACKAGE_FILE_RULE}.`),
      );
      return;
    }
    const form = new FormData();
    form.append('file', file, file.name);
    setProgress({ sent: 0, total: file.size, file: file.name });
    try {
      const stored = PackageUploadReplySchema.parse(
        await uploadBytes('POST', `${base}/upload`, form, (sent, total) =>
          // The multipart body is the file plus a few hundred bytes of framing.
          setProgress({ sent, total: total ?? file.size, file: file.name }),
        ),
      );
      notifyOk(`Uploaded ${stored.filename} (${stored.type})`);
      setVersion((v) => v + 1);
    } catch (err) {
      notifyError('Package upload failed', err);
    } finally {
      setProgress(null);
    }
  };

  return (
    <Stack gap="xs">
      {canUpload() ? (
        <Group gap="xs">
          <FileButton
            onChange={(f) => void upload(f)}
            accept={PACKAGE_SUFFIXES.join(',')}
            inputProps={{
              'aria-label': 'Package file',
              ...{ 'data-testid': 'package-upload-input' },
            }}
          >
            {(props) => (
              <Button variant="light" {...props} disabled={!!progress}>
                Upload a package…
              </Button>
            )}
          </FileButton>
          <Text size="xs" c="dimmed">
            A wheel (.whl), a vLLM plugin (.py) or a source archive (.tar.gz, .tgz, .zip).
          </Text>
        </Group>
      ) : (
        <Text size="sm" c="dimmed">
          File uploads work in the browser console (open this control plane&apos;s URL).
        </Text>
      )}
      <UploadProgress progress={progress} />
      <ResourceList
        testId="packages"
        path={base}
        version={version}
        rowKey="package_id"
        columns={[
          { key: 'filename', label: 'File' },
          { key: 'type', label: 'Type' },
          { key: 'size_mb', label: 'MB' },
        ]}
      />
    </Stack>
  );
}
