import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  isAlive,
  killSurvivors,
  procRef,
  snapshotTree,
} from '../../src-main/agent/engine/process-tree.js';
import { GpuLocks } from '../../src-main/agent/engine/warm/gpu-locks.js';
import { SingleFlight } from '../../src-main/agent/engine/warm/single-flight.js';
import { flush } from '../helpers/manual-clock.js';
import { waitFor } from '../helpers/wait.js';

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
    // Every settled lock has run its callbacks by now; the shared GPU is still held.
    await flush();
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
    // Each run stays in flight until the test finishes it.
    const running: ((v: number) => void)[] = [];
    const fn = () => new Promise<number>((r) => running.push(r));
    const finishAll = (v: number) => {
      for (const r of running.splice(0)) r(v);
    };
    const callers = Promise.all([sf.run('k', fn), sf.run('k', fn), sf.run('k', fn)]);
    expect(running).toHaveLength(1);
    finishAll(42);
    expect(await callers).toEqual([42, 42, 42]);
    const again = sf.run('k', fn);
    expect(running).toHaveLength(1);
    finishAll(43);
    expect(await again).toBe(43);
  });
});

describe('process tree reaping', () => {
  it('finds a child of a process and kills the survivors of a snapshot', async () => {
    const parent = spawn('sh', ['-c', 'sleep 30 & wait'], { stdio: 'ignore' });
    const pid = parent.pid!;
    await waitFor(() => snapshotTree(pid).length >= 2, 5000, 'the shell to start its child');
    const tree = snapshotTree(pid);
    expect(tree[0]?.pid).toBe(pid);
    const child = tree[1]!;
    parent.kill('SIGKILL');
    await waitFor(() => !isAlive(tree[0]!), 5000, 'the parent to die');
    // The orphaned child survives its parent, as vLLM workers outlive their container.
    expect(isAlive(child)).toBe(true);
    expect(killSurvivors(tree)).toEqual([child.pid]);
    await waitFor(() => !isAlive(child), 5000, 'the survivor to be killed');
  });

  it('never kills a process whose PID was reused (different start time)', () => {
    const self = procRef(process.pid)!;
    expect(killSurvivors([{ pid: self.pid, startTicks: self.startTicks + 1 }])).toEqual([]);
    expect(isAlive(self)).toBe(true);
  });
});
