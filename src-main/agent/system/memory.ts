import { freemem, totalmem } from 'node:os';
import { readFile } from 'node:fs/promises';

/** Used share of system RAM, 0–100 with one decimal. Prefers MemAvailable (Linux) over MemFree, as psutil does. */
export async function memoryPercent(): Promise<number> {
  const total = totalmem();
  let available = freemem();
  try {
    const m = /^MemAvailable:\s+(\d+)\s+kB/m.exec(await readFile('/proc/meminfo', 'utf8'));
    if (m?.[1]) available = Number(m[1]) * 1024;
  } catch {
    // Not Linux: os.freemem() is the best portable figure.
  }
  return Math.round(((total - available) / total) * 1000) / 10;
}
