import { Badge } from '@mantine/core';
import { useConsole } from '../hooks/use-console.js';

/** Live while events arrive; Reconnecting while the stream is down (the console polls then). */
export function StreamIndicator() {
  const stream = useConsole((s) => s.stream);
  const live = stream === 'live';
  return (
    <Badge
      variant="dot"
      color={live ? 'teal' : 'yellow'}
      data-testid="stream-indicator"
      data-state={stream}
      title={
        live
          ? 'Changes arrive as they happen.'
          : 'Event stream disconnected: reconnecting, and refreshing every few seconds meanwhile.'
      }
    >
      {live ? 'Live' : 'Reconnecting'}
    </Badge>
  );
}
