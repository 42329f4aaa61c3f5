import type { ContainerInfo, ContainerState, RuntimeName } from './container-runtime.js';

/** The parts of `GET /containers/{id}/json` the agent reads. */
export interface InspectBody {
  Id: string;
  Name?: string;
  Image?: string;
  RestartCount?: number;
  State?: {
    Status?: string;
    Running?: boolean;
    Restarting?: boolean;
    Pid?: number;
    ExitCode?: number;
    StartedAt?: string;
  };
  Config?: { Image?: string; Labels?: Record<string, string> | null; Tty?: boolean };
}

const STATES: readonly ContainerState[] = [
  'created',
  'running',
  'paused',
  'restarting',
  'removing',
  'exited',
  'dead',
];

/** Normalises a state word; Podman may say `configured`/`initialized` (never started) or `stopped`. */
export function normaliseState(s: string | undefined): ContainerState {
  const v = (s ?? '').toLowerCase();
  if ((STATES as readonly string[]).includes(v)) return v as ContainerState;
  if (v === 'configured' || v === 'initialized') return 'created';
  if (v === 'stopped' || v === 'stopping') return 'exited';
  return 'dead';
}

function validTime(t: string | undefined): string | null {
  // Engines report the zero time for "never": Docker `0001-01-01T00:00:00Z`.
  if (!t || t.startsWith('0001-01-01')) return null;
  return t;
}

/**
 * Maps an inspect body to ContainerInfo. `State.ExitCode` is the last run's code while the
 * container is stopped or waiting to be restarted (Docker's `restarting`); both engines reset it
 * to 0 once it runs again, so a running container reports none.
 */
export function toContainerInfo(b: InspectBody, runtime: RuntimeName): ContainerInfo {
  const state = normaliseState(b.State?.Status);
  const exited = state === 'exited' || state === 'dead' || state === 'restarting';
  const pid = b.State?.Pid;
  return {
    id: b.Id,
    name: (b.Name ?? '').replace(/^\//, ''),
    image: b.Config?.Image ?? b.Image ?? '',
    imageId: b.Image ?? null,
    labels: b.Config?.Labels ?? {},
    state,
    exitCode: exited ? (b.State?.ExitCode ?? null) : null,
    restartCount: b.RestartCount ?? 0,
    pid: state === 'running' && pid !== undefined && pid > 0 ? pid : null,
    startedAt: validTime(b.State?.StartedAt),
    runtime,
  };
}
