import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  isAlive,
  killSurvivors,
  procRef,
  snapshotTree,
} from '../../src-main/agent/engine/process-tree.js';
import { GpuLocks } from '../../src-main/agent/warm/gpu-locks.js';
import { SingleFlight } from '../../src-main/agent/warm/single-flight.js';

async function until(fn: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('per-GPU locks', () => {
  it('serialises fits that share a GPU and lets disjoint ones run together', async () => {
    const locks = new GpuLocks();
    const order: string[] = [];
    const r1 = await locks.acquire([0, 1]);
    let second = false;
    const p2 = locks.acquire([1]).then((r) => {
      second = true;
      order.push('second');
      return r;
    });
    const r3 = await locks.acquire([2]);
    order.push('disjoint');
    await new Promise((r) => setTimeout(r, 20));
    expect(second).toBe(false);
    order.push('first done');
    r1();
    (await p2)();
    r3();
    expect(order).toEqual(['disjoint', 'first done', 'second']);
  });

  it('does not deadlock when two callers ask for the same GPUs in opposite order', async () => {
    const locks = new GpuLocks();
    const a = locks.acquire([1, 0]);
    const b = locks.acquire([0, 1]);
    (await a)();
    (await b)();
  });
});

describe('single flight', () => {
  it('runs one call for concurrent callers of a key and shares its result', async () => {
    const sf = new SingleFlight<number>();
    let runs = 0;
    const fn = async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 20));
      return 42;
    };
    expect(await Promise.all([sf.run('k', fn), sf.run('k', fn), sf.run('k', fn)])).toEqual([
      42, 42, 42,
    ]);
    expect(runs).toBe(1);
    await sf.run('k', fn);
    expect(runs).toBe(2);
  });
});

describe('process tree reaping', () => {
  it('finds a child of a process and kills the survivors of a snapshot', async () => {
    const parent = spawn('sh', ['-c', 'sleep 30 & wait'], { stdio: 'ignore' });
    const pid = parent.pid!;
    await until(() => snapshotTree(pid).length >= 2, 5000);
    const tree = snapshotTree(pid);
    expect(tree[0]?.pid).toBe(pid);
    const child = tree[1]!;
    parent.kill('SIGKILL');
    await until(() => !isAlive(tree[0]!), 5000);
    // The orphaned child survives its parent, as vLLM workers outlive their container.
    expect(isAlive(child)).toBe(true);
    expect(killSurvivors(tree)).toEqual([child.pid]);
    await until(() => !isAlive(child), 5000);
  });

  it('never kills a process whose PID was reused (different start time)', () => {
    const self = procRef(process.pid)!;
    expect(killSurvivors([{ pid: self.pid, startTicks: self.startTicks + 1 }])).toEqual([]);
    expect(isAlive(self)).toBe(true);
  });
});
