import { cpus } from 'node:os';

interface CpuTimes {
  idle: number;
  total: number;
}

function snapshot(): CpuTimes {
  let idle = 0;
  let total = 0;
  for (const cpu of cpus()) {
    const t = cpu.times;
    idle += t.idle;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { idle, total };
}

/** Busy share of all CPUs over a short window (like psutil's 0.1 s sample), 0–100 with one decimal. */
export async function sampleCpuPercent(windowMs = 100): Promise<number> {
  const a = snapshot();
  await new Promise((r) => setTimeout(r, windowMs));
  const b = snapshot();
  const total = b.total - a.total;
  if (total <= 0) return 0;
  const busy = 1 - (b.idle - a.idle) / total;
  return Math.round(Math.min(1, Math.max(0, busy)) * 1000) / 10;
}
