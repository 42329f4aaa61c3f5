/** Releases the GPUs a `GpuLocks.acquire` call took. */
export type Release = () => void;

/**
 * One async mutex per GPU index. Competing fits on the same GPUs are serialised; GPUs are always
 * taken in ascending order so two fits never wait on each other in a cycle.
 */
export class GpuLocks {
  private readonly tails = new Map<number, Promise<void>>();

  /** Waits until every GPU in `gpus` is free, takes them, and returns the release function. */
  async acquire(gpus: Iterable<number>): Promise<Release> {
    const sorted = [...new Set(gpus)].sort((a, b) => a - b);
    const releases: (() => void)[] = [];
    for (const gpu of sorted) {
      const prev = this.tails.get(gpu) ?? Promise.resolve();
      let release!: () => void;
      const mine = new Promise<void>((r) => (release = r));
      const tail = prev.then(() => mine);
      this.tails.set(gpu, tail);
      await prev;
      releases.push(() => {
        release();
        if (this.tails.get(gpu) === tail) this.tails.delete(gpu);
      });
    }
    let done = false;
    return () => {
      if (done) return;
      done = true;
      for (const r of releases.reverse()) r();
    };
  }
}
