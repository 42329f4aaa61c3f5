import { Badge } from '@mantine/core';
import type { ApiHealth } from '../../src-main/shared/health.js';
import { useConsole } from '../hooks/use-console.js';

export type HealthState = 'loading' | 'healthy' | 'degraded' | 'unreachable';

/** Healthy when the API answers and no background loop reports an error. */
export function healthState(health: ApiHealth | null, error: string | null): HealthState {
  if (error !== null) return 'unreachable';
  if (!health) return 'loading';
  return health.loops.some((l) => l.last_error !== null) ? 'degraded' : 'healthy';
}

const LABEL: Record<HealthState, string> = {
  loading: 'Checking…',
  healthy: 'Healthy',
  degraded: 'Degraded',
  unreachable: 'Unreachable',
};
const COLOR: Record<HealthState, string> = {
  loading: 'gray',
  healthy: 'teal',
  degraded: 'yellow',
  unreachable: 'red',
};

export function HealthIndicator() {
  const health = useConsole((s) => s.health);
  const error = useConsole((s) => s.healthError);
  const state = healthState(health, error);
  const title =
    error ?? health?.loops.map((l) => `${l.name}: ${l.last_error ?? 'ok'}`).join('\n') ?? '';
  return (
    <Badge
      variant="dot"
      color={COLOR[state]}
      data-testid="health-indicator"
      data-state={state}
      title={title}
    >
      {LABEL[state]}
    </Badge>
  );
}
