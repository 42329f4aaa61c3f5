import { Progress, Text } from '@mantine/core';

/** Where an upload is: bytes sent of the total, and the file being sent. */
export interface UploadState {
  sent: number;
  total: number;
  file: string;
}

/** The byte-progress bar every upload shows (`data-sent` / `data-total` for the tests). */
export function UploadProgress({ progress }: { progress: UploadState | null }) {
  if (!progress) return null;
  const pct = progress.total > 0 ? (progress.sent / progress.total) * 100 : 0;
  return (
    <div data-testid="upload-progress" data-sent={progress.sent} data-total={progress.total}>
      <Progress value={pct} aria-label="Upload progress" />
      <Text size="xs">
        {(progress.sent / 1e6).toFixed(1)} / {(progress.total / 1e6).toFixed(1)} MB ·{' '}
        {progress.file}
      </Text>
    </div>
  );
}
