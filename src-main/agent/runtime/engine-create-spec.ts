import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LaunchSpec } from './container-runtime.js';
import { compareVersions } from './engine-filters.js';
import { RuntimeError } from './runtime-error.js';

interface DeviceRequest {
  Driver: string;
  Count?: number;
  DeviceIDs?: string[];
  Capabilities: string[][];
}

/** The body of `POST /containers/create` for one launch (interfaces.md §4.1, behaviour.md §2.3). */
export interface CreateBody {
  Image: string;
  Cmd: string[];
  Env: string[];
  Labels: Record<string, string>;
  Tty: false;
  HostConfig: {
    Init: true;
    NetworkMode: 'host';
    IpcMode: 'host';
    RestartPolicy: { Name: 'unless-stopped' | 'no'; MaximumRetryCount: 0 };
    Binds: string[];
    DeviceRequests?: DeviceRequest[];
  };
}

/** GPU device requests: Docker's `gpu` capability, or CDI names for Podman. */
export function deviceRequests(spec: LaunchSpec, isPodman: boolean): DeviceRequest[] | undefined {
  if (!spec.passGpus) return undefined;
  if (isPodman) {
    const ids =
      spec.gpuIds === null ? ['nvidia.com/gpu=all'] : spec.gpuIds.map((i) => `nvidia.com/gpu=${i}`);
    return [{ Driver: 'cdi', DeviceIDs: ids, Capabilities: [['gpu']] }];
  }
  if (spec.gpuIds === null) return [{ Driver: '', Count: -1, Capabilities: [['gpu']] }];
  return [{ Driver: '', DeviceIDs: spec.gpuIds.map(String), Capabilities: [['gpu']] }];
}

/** Maps a launch spec to the engine's create body. */
export function buildCreateBody(spec: LaunchSpec, isPodman: boolean): CreateBody {
  const requests = deviceRequests(spec, isPodman);
  return {
    Image: spec.image,
    Cmd: [...spec.args],
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    Labels: { ...spec.labels },
    Tty: false,
    HostConfig: {
      Init: true,
      NetworkMode: 'host',
      IpcMode: 'host',
      RestartPolicy: {
        Name: spec.restartUnlessStopped ? 'unless-stopped' : 'no',
        MaximumRetryCount: 0,
      },
      Binds: spec.mounts.map((m) => `${m.source}:${m.target}${m.readOnly ? ':ro' : ''}`),
      ...(requests ? { DeviceRequests: requests } : {}),
    },
  };
}

/** Directories where container engines look for CDI specs. */
export const CDI_SPEC_DIRS = ['/etc/cdi', '/var/run/cdi'];

/** True when some CDI spec file in `dirs` declares NVIDIA GPUs. */
export function hasNvidiaCdiSpec(dirs: readonly string[] = CDI_SPEC_DIRS): boolean {
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) {
      if (!/\.(ya?ml|json)$/.test(f)) continue;
      try {
        if (readFileSync(join(dir, f), 'utf8').includes('nvidia.com/gpu')) return true;
      } catch {
        // An unreadable spec cannot be used by the engine either.
      }
    }
  }
  return false;
}

const PODMAN_MIN_GPU_VERSION = '5.4';

/**
 * Refuses to pass real GPUs through Podman when it cannot: below 5.4 the compat API drops CDI
 * requests silently, and without a CDI spec there is nothing to inject. Throws RuntimeError 409.
 */
export function assertPodmanCanPassGpus(
  version: string,
  cdiDirs: readonly string[] = CDI_SPEC_DIRS,
): void {
  if (compareVersions(version, PODMAN_MIN_GPU_VERSION) < 0) {
    throw new RuntimeError(
      'conflict',
      `Podman ${version} cannot pass GPUs to containers through its Docker-compatible API (CDI device requests need Podman ${PODMAN_MIN_GPU_VERSION} or newer). Upgrade Podman to ${PODMAN_MIN_GPU_VERSION}+ or set the node's runtime to Docker.`,
    );
  }
  if (!hasNvidiaCdiSpec(cdiDirs)) {
    throw new RuntimeError(
      'conflict',
      `No NVIDIA CDI spec found in ${cdiDirs.join(' or ')}, so Podman cannot inject GPUs. Generate one with 'sudo nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml' (NVIDIA Container Toolkit 1.12 or newer).`,
    );
  }
}
