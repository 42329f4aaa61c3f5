import { useConsole } from '../hooks/use-console.js';

export function StreamIndicator() {
  const stream = useConsole((s) => s.stream);
  const live = stream === 'live';
  return (
    <span
      className={`pill ${live ? 'pill-healthy' : 'pill-degraded'}`}
      data-testid="stream-indicator"
      data-state={stream}
      title={
        live
          ? 'Changes arrive as they happen.'
          : 'Event stream disconnected: refreshing every few seconds.'
      }
    >
      <span className="dot" aria-hidden="true" />
      {live ? 'Live' : 'Polling'}
    </span>
  );
}
