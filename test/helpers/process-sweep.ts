import { readdirSync, readFileSync } from 'node:fs';

/**
 * SIGKILLs every process whose command line or environment names `dir`: the shims and servers a
 * test's agent started under its data dir (a server names it through its state-file variable).
 * Tests call it when they end, so a failing run leaves nothing of its own behind.
 */
export function killProcessesUnder(dir: string): number[] {
  const killed: number[] = [];
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    const pid = Number(name);
    if (pid === process.pid) continue;
    let seen = '';
    try {
      seen = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      seen += readFileSync(`/proc/${pid}/environ`, 'utf8');
    } catch {
      // Gone, or not ours to read.
    }
    if (!seen.includes(dir)) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      // Already gone.
    }
  }
  return killed;
}
