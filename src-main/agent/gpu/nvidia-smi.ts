// GPU inventory from the host's `nvidia-smi` (interfaces.md §5). Shelling out keeps us free of a
// native NVML binding and lets tests put a fake `nvidia-smi` first on PATH.

import { execFile } from 'node:child_process';
import os from 'node:os';
import type { Gpu, GpuProcess, GpuProvider, SystemMemory } from './gpu-provider.js';
import {
  APPS_QUERY_ARGS,
  GPU_QUERY_ARGS,
  parseComputeApps,
  parseGpuQuery,
} from './nvidia-smi-parse.js';

/** Why an nvidia-smi call failed: not installed, exited non-zero (e.g. 9 = no driver), or hung. */
export class NvidiaSmiError extends Error {
  constructor(
    readonly kind: 'missing' | 'failed' | 'timeout',
    readonly exitCode: number | null,
    message: string,
  ) {
    super(message);
    this.name = 'NvidiaSmiError';
  }
}

export interface NvidiaSmiOptions {
  /** Executable name or path; looked up on PATH. */
  command?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  systemMemory?: () => SystemMemory;
}

/** Host RAM as seen by the OS, in MB (available memory counts as free). */
export function hostSystemMemory(): SystemMemory {
  const mb = 1024 * 1024;
  const total = Math.round(os.totalmem() / mb);
  return { total_mb: total, used_mb: total - Math.round(os.freemem() / mb) };
}

function run(
  command: string,
  args: readonly string[],
  timeoutMs: number,
  env: NodeJS.ProcessEnv | undefined,
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { timeout: timeoutMs, env, maxBuffer: 4 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const e = err as NodeJS.ErrnoException & {
          killed?: boolean;
          code?: string | number | null;
        };
        if (e.code === 'ENOENT')
          return reject(new NvidiaSmiError('missing', null, `${command} was not found on PATH.`));
        if (e.killed)
          return reject(
            new NvidiaSmiError(
              'timeout',
              null,
              `${command} did not answer within ${timeoutMs} ms.`,
            ),
          );
        const code = typeof e.code === 'number' ? e.code : null;
        const said = (stdout.trim() || stderr.trim()).split('\n')[0] ?? '';
        reject(
          new NvidiaSmiError(
            'failed',
            code,
            `${command} exited with code ${code ?? '?'}${said ? `: ${said}` : ''}`,
          ),
        );
      },
    );
  });
}

/** A provider that queries `nvidia-smi` on every call. Rejects with NvidiaSmiError. */
export function createNvidiaSmiProvider(opts: NvidiaSmiOptions = {}): GpuProvider {
  const command = opts.command ?? 'nvidia-smi';
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const systemMemory = opts.systemMemory ?? hostSystemMemory;
  return {
    async list(): Promise<Gpu[]> {
      return parseGpuQuery(await run(command, GPU_QUERY_ARGS, timeoutMs, opts.env), systemMemory);
    },
    async computeApps(): Promise<GpuProcess[]> {
      return parseComputeApps(await run(command, APPS_QUERY_ARGS, timeoutMs, opts.env));
    },
  };
}

/**
 * Wraps a provider so that, when it fails with NvidiaSmiError (no tooling, no driver), the node
 * reports one pseudo-GPU backed by host RAM (behaviour.md §4.1) and no compute processes.
 */
export function withUnifiedFallback(
  primary: GpuProvider,
  systemMemory: () => SystemMemory = hostSystemMemory,
): GpuProvider {
  return {
    async list() {
      try {
        return await primary.list();
      } catch (err) {
        if (!(err instanceof NvidiaSmiError)) throw err;
        const mem = systemMemory();
        return [
          {
            index: 0,
            name: 'Unified memory',
            uuid: '',
            source: 'unified',
            utilization: null,
            memory_used_mb: mem.used_mb,
            memory_total_mb: mem.total_mb,
          },
        ];
      }
    },
    async computeApps() {
      try {
        return await primary.computeApps();
      } catch (err) {
        if (err instanceof NvidiaSmiError) return [];
        throw err;
      }
    },
  };
}
