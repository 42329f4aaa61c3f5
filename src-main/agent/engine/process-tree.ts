import { readFileSync, readdirSync } from 'node:fs';

/** A process identified by PID plus its start time, so a reused PID is never mistaken for it. */
export interface ProcRef {
  pid: number;
  /** Start time in clock ticks since boot (field 22 of /proc/<pid>/stat). */
  startTicks: number;
}

interface StatFields {
  state: string;
  ppid: number;
  startTicks: number;
  comm: string;
}

function readStat(pid: number): StatFields | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // comm may contain spaces and parentheses: everything after the last ')' is space separated.
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state), so field N is rest[N - 3].
  const ppid = Number(rest[1]);
  const startTicks = Number(rest[19]);
  if (!Number.isFinite(ppid) || !Number.isFinite(startTicks)) return null;
  return { state: rest[0] ?? '', ppid, startTicks, comm };
}

function allPids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((n) => /^\d+$/.test(n))
      .map(Number);
  } catch {
    return [];
  }
}

/** The process `pid` and all its descendants, as of now (empty when `pid` is gone or /proc is absent). */
export function snapshotTree(pid: number): ProcRef[] {
  const root = readStat(pid);
  if (!root) return [];
  const children = new Map<number, { pid: number; startTicks: number }[]>();
  for (const p of allPids()) {
    const st = readStat(p);
    if (!st) continue;
    const list = children.get(st.ppid) ?? [];
    list.push({ pid: p, startTicks: st.startTicks });
    children.set(st.ppid, list);
  }
  const out: ProcRef[] = [{ pid, startTicks: root.startTicks }];
  for (let i = 0; i < out.length; i++) {
    for (const c of children.get(out[i]!.pid) ?? []) out.push(c);
  }
  return out;
}

/** True when the very process in `ref` (same PID and same start time) still exists. */
export function isAlive(ref: ProcRef): boolean {
  const st = readStat(ref.pid);
  // A zombie has exited already; only its parent's reaping is missing.
  return st !== null && st.startTicks === ref.startTicks && st.state !== 'Z';
}

/** SIGKILLs every process of a snapshot that is still the same process; returns the PIDs killed. */
export function killSurvivors(snapshot: readonly ProcRef[]): number[] {
  const killed: number[] = [];
  for (const ref of snapshot) {
    if (!isAlive(ref)) continue;
    try {
      process.kill(ref.pid, 'SIGKILL');
      killed.push(ref.pid);
    } catch {
      // Gone between the check and the kill, or not ours to kill: nothing more can be done here.
    }
  }
  return killed;
}

/** The process name and command line of `pid` (empty strings when it is gone). */
export function describeProcess(pid: number): { name: string; cmdline: string } {
  const st = readStat(pid);
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    cmdline = '';
  }
  return { name: st?.comm ?? '', cmdline };
}

/** Start-time reference of a running PID, or null when it does not exist. */
export function procRef(pid: number): ProcRef | null {
  const st = readStat(pid);
  return st ? { pid, startTicks: st.startTicks } : null;
}

/** The innermost PID of `pid` in its own PID namespace (last `NSpid` entry of /proc/<pid>/status). */
function namespacePid(pid: number): number | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const line = /^NSpid:\s*(.+)$/m.exec(text)?.[1];
  const last = line?.trim().split(/\s+/).pop();
  return last === undefined ? null : Number(last);
}

/**
 * The host PID of the process in `root`'s tree whose PID inside its own namespace is `nsPid` (a
 * containerised server only knows its namespace PID); null when no process of the tree has it.
 */
export function findByNamespacePid(root: number, nsPid: number): number | null {
  for (const p of snapshotTree(root)) if (namespacePid(p.pid) === nsPid) return p.pid;
  return null;
}
