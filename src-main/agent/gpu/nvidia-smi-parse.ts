// Parsers for nvidia-smi's CSV output (`--format=csv,noheader,nounits`, interfaces.md §5):
// fields separated by ", ", no quoting, unavailable values printed as `[N/A]`, `[Not Supported]`.

import type { Gpu, GpuProcess, SystemMemory } from './gpu-provider.js';

/** The exact GPU query the agent runs. */
export const GPU_QUERY_ARGS = [
  '--query-gpu=index,name,uuid,utilization.gpu,memory.used,memory.total',
  '--format=csv,noheader,nounits',
] as const;
/** The exact compute-process query the agent runs. */
export const APPS_QUERY_ARGS = [
  '--query-compute-apps=pid,gpu_uuid,used_memory,process_name',
  '--format=csv,noheader,nounits',
] as const;

/** A numeric field, or null for `[N/A]`, `[Not Supported]`, `N/A` and anything unparsable. */
export function parseSmiNumber(field: string | undefined): number | null {
  const v = (field ?? '').trim();
  if (v === '' || v.startsWith('[') || /^n\/a$/i.test(v)) return null;
  const n = Number(v.replace(/\s*(MiB|%|W|C)$/i, ''));
  return Number.isFinite(n) ? n : null;
}

const lines = (out: string) =>
  out
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.trim() !== '');

/**
 * Parses `--query-gpu=index,name,uuid,utilization.gpu,memory.used,memory.total` output. A device
 * without a dedicated memory total (unified memory, e.g. GB10) gets the host RAM figures and
 * source `unified`; its utilisation stays real. Throws on a line that is not a GPU row.
 */
export function parseGpuQuery(out: string, systemMemory: () => SystemMemory): Gpu[] {
  return lines(out).map((line) => {
    const f = line.split(', ');
    if (f.length < 6) throw new Error(`Unexpected nvidia-smi GPU line: ${line}`);
    // Names have no commas in practice, but a name is the only free-text field, so rejoin it.
    const [indexField, ...rest] = f;
    const tail = rest.splice(-4);
    const [uuid = '', util, used, total] = tail;
    const index = parseSmiNumber(indexField);
    if (index === null) throw new Error(`Unexpected nvidia-smi GPU line: ${line}`);
    const gpu: Gpu = {
      index,
      name: rest.join(', ').trim(),
      uuid: uuid.trim(),
      source: 'nvidia-smi',
      utilization: parseSmiNumber(util),
      memory_used_mb: parseSmiNumber(used),
      memory_total_mb: parseSmiNumber(total),
    };
    if (gpu.memory_total_mb === null || gpu.memory_total_mb === 0) {
      const mem = systemMemory();
      return {
        ...gpu,
        source: 'unified',
        memory_total_mb: mem.total_mb,
        memory_used_mb: mem.used_mb,
      };
    }
    return gpu;
  });
}

/** Parses `--query-compute-apps=pid,gpu_uuid,used_memory,process_name` output (empty = none). */
export function parseComputeApps(out: string): GpuProcess[] {
  const apps: GpuProcess[] = [];
  for (const line of lines(out)) {
    const [pidField, uuid = '', used, ...name] = line.split(', ');
    const pid = parseSmiNumber(pidField);
    if (pid === null || !Number.isInteger(pid))
      throw new Error(`Unexpected nvidia-smi process line: ${line}`);
    apps.push({
      pid,
      gpu_uuid: uuid.trim(),
      used_memory_mb: parseSmiNumber(used),
      process_name: name.join(', ').trim(),
    });
  }
  return apps;
}
