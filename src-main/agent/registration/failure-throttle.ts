/** Log a repeating failure the first time, then every `every`-th time (so a dead control plane does not flood the log). */
export class FailureThrottle {
  private failures = 0;

  constructor(private readonly every = 12) {}

  /** Counts a failure; true when this one should be logged. */
  fail(): boolean {
    this.failures++;
    return this.failures === 1 || this.failures % this.every === 1;
  }

  /** Resets on success; returns how many failures preceded it. */
  succeed(): number {
    const n = this.failures;
    this.failures = 0;
    return n;
  }
}
