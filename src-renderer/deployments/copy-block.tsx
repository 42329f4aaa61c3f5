import { Button, Code, Group, Text } from '@mantine/core';
import { useClipboard } from '@mantine/hooks';

/** A titled block of text with a Copy button. */
export function CopyBlock({
  title,
  text,
  testId,
}: {
  title: string;
  text: string;
  testId?: string;
}) {
  const clip = useClipboard({ timeout: 1500 });
  return (
    <div>
      <Group justify="space-between" mb={4}>
        <Text size="sm" fw={600}>
          {title}
        </Text>
        <Button size="compact-xs" variant="light" onClick={() => clip.copy(text)}>
          {clip.copied ? 'Copied' : 'Copy'}
        </Button>
      </Group>
      {/* Focusable: a long snippet scrolls, and keyboard users must be able to scroll it. */}
      <Code block data-testid={testId} tabIndex={0} aria-label={title}>
        {text}
      </Code>
    </div>
  );
}
