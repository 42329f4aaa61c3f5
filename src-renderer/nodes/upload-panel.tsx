import { Button, FileButton, Group, Stack, Text, TextInput } from '@mantine/core';
import { useRef, useState } from 'react';
import { z } from 'zod';
import { UploadBeginReplySchema } from '../../src-main/shared/agent-protocol/files.js';
import { canUpload, uploadBytes } from '../api/upload.js';
import { useApi } from '../hooks/use-api.js';
import { attempt, notifyError, notifyOk } from '../notify.js';
import { UploadProgress, type UploadState } from './upload-progress.js';

/** The path of a picked file inside its folder (`model/config.json` → `config.json`). */
function relativePath(f: File): string {
  const rel = f.webkitRelativePath || f.name;
  const slash = rel.indexOf('/');
  return slash >= 0 ? rel.slice(slash + 1) : rel;
}

/** Upload a model folder or an archive with byte progress, or pull one from a URL. */
export function UploadPanel({ nodeId, onDone }: { nodeId: number; onDone: () => void }) {
  const api = useApi();
  const folder = useRef<HTMLInputElement>(null);
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [progress, setProgress] = useState<UploadState | null>(null);
  const base = `/api/nodes/${nodeId}/local-models`;

  const uploadFolder = async (files: File[]) => {
    if (!files.length) return;
    const first = files[0]?.webkitRelativePath.split('/')[0] ?? 'model';
    const modelName = name.trim() || first;
    const total = files.reduce((n, f) => n + f.size, 0);
    setProgress({ sent: 0, total, file: '' });
    try {
      const { session_id } = await api.send(
        'POST',
        `${base}/upload/begin`,
        UploadBeginReplySchema,
        {
          body: { name: modelName, total_bytes: total, file_count: files.length },
        },
      );
      let done = 0;
      for (const f of files) {
        const path = relativePath(f);
        await uploadBytes(
          'PUT',
          `${base}/upload/${session_id}/file?path=${encodeURIComponent(path)}`,
          f,
          (sent) => setProgress({ sent: done + sent, total, file: path }),
        );
        done += f.size;
        setProgress({ sent: done, total, file: path });
      }
      await api.send('POST', `${base}/upload/${session_id}/finish`, z.unknown(), { body: {} });
      notifyOk(`Uploaded ${modelName} (${files.length} files)`);
      onDone();
    } catch (err) {
      notifyError('Upload failed', err);
    } finally {
      setProgress(null);
    }
  };

  const uploadArchive = async (file: File | null) => {
    if (!file) return;
    const modelName = name.trim() || file.name.replace(/\.(tar\.gz|tgz|tar|zip)$/i, '');
    setProgress({ sent: 0, total: file.size, file: file.name });
    try {
      await uploadBytes(
        'POST',
        `${base}/archive?name=${encodeURIComponent(modelName)}&filename=${encodeURIComponent(file.name)}`,
        file,
        (sent) => setProgress({ sent, total: file.size, file: file.name }),
      );
      notifyOk(`Uploaded ${modelName}`);
      onDone();
    } catch (err) {
      notifyError('Upload failed', err);
    } finally {
      setProgress(null);
    }
  };

  return (
    <Stack gap="xs">
      <TextInput
        label="Model name (optional)"
        value={name}
        onChange={(e) => setName(e.currentTarget.value)}
        w={320}
      />
      {canUpload() ? (
        <Group gap="xs">
          <input
            ref={folder}
            type="file"
            hidden
            multiple
            aria-label="Model folder"
            data-testid="upload-folder-input"
            {...{ webkitdirectory: '' }}
            onChange={(e) => void uploadFolder([...(e.currentTarget.files ?? [])])}
          />
          <Button variant="light" onClick={() => folder.current?.click()} disabled={!!progress}>
            Upload a folder…
          </Button>
          <FileButton onChange={(f) => void uploadArchive(f)} accept=".tar,.tgz,.tar.gz,.zip">
            {(props) => (
              <Button variant="light" {...props} disabled={!!progress}>
                Upload an archive…
              </Button>
            )}
          </FileButton>
        </Group>
      ) : (
        <Text size="sm" c="dimmed">
          File uploads work in the browser console (open this control plane&apos;s URL).
        </Text>
      )}
      <UploadProgress progress={progress} />
      <Group gap="xs" align="flex-end">
        <TextInput
          label="Pull from a URL"
          placeholder="https://…/model.tar.gz"
          value={url}
          onChange={(e) => setUrl(e.currentTarget.value)}
          w={420}
        />
        <Button
          variant="default"
          disabled={!url.trim()}
          onClick={() =>
            void attempt('Pull failed', () =>
              api.send('POST', `${base}/pull`, z.unknown(), {
                body: { url: url.trim(), ...(name.trim() && { name: name.trim() }) },
              }),
            ).then((r) => {
              if (r === null) return;
              notifyOk('Pull started');
              setUrl('');
            })
          }
        >
          Pull
        </Button>
      </Group>
    </Stack>
  );
}
