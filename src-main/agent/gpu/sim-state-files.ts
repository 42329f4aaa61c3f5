// Reads the state files the vLLM simulator writes (one JSON file per process, at the path in
// its AERIE_SIM_STATE_FILE env var) and turns them into simulated GPU loads.

import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { SimulatedLoad } from './simulated.js';
import { errnoCode } from '../../shared/errors.js';

/** What the simulator writes; extra fields are ignored. `gpu_ids` is optional. */
export const SimStateFileSchema = z.object({
  pid: z.number().int().positive(),
  port: z.number().int().min(1).max(65535),
  sleeping: z.boolean(),
  gpu_memory_utilization: z.number().min(0).max(1),
  running_requests: z.number().int().min(0),
  model: z.string(),
  gpu_ids: z.array(z.number().int().min(0)).nullable().optional(),
});
export type SimStateFile = z.infer<typeof SimStateFileSchema>;

/** True while a process with this PID exists (EPERM means it exists but is not ours). */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}

export interface ReadSimStateOptions {
  isAlive?: (pid: number) => boolean;
  /** GPUs of a simulator the file does not say; the agent knows them from the deployment. */
  gpuIdsFor?: (state: SimStateFile) => readonly number[] | null;
  /**
   * The host PID of a simulator that runs in another PID namespace (a container), whose file
   * holds its namespace PID; null when the file's PID is a host PID.
   */
  hostPidFor?: (state: SimStateFile) => number | null;
}

/**
 * Loads from every `*.json` in `dir`, sorted by PID. Files with bad JSON, a wrong shape, or a
 * dead PID are skipped (a simulator may be mid-write or gone); a missing dir yields none.
 */
export async function readSimStateFiles(
  dir: string,
  opts: ReadSimStateOptions = {},
): Promise<SimulatedLoad[]> {
  const isAlive = opts.isAlive ?? isPidAlive;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const loads: SimulatedLoad[] = [];
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    let state: SimStateFile;
    try {
      const parsed = SimStateFileSchema.safeParse(
        JSON.parse(await readFile(path.join(dir, name), 'utf8')),
      );
      if (!parsed.success) continue;
      state = parsed.data;
    } catch {
      continue;
    }
    const pid = opts.hostPidFor?.(state) ?? state.pid;
    if (!isAlive(pid)) continue;
    loads.push({
      pid,
      gpu_ids: state.gpu_ids ?? opts.gpuIdsFor?.(state) ?? null,
      fraction: state.gpu_memory_utilization,
      sleeping: state.sleeping,
      running_requests: state.running_requests,
    });
  }
  return loads.sort((a, b) => a.pid - b.pid);
}
