import { describe, expect, it } from 'vitest';
import { StatusWatch } from '../../src-main/agent/engine/status-watch.js';

describe('StatusWatch', () => {
  it('moves its version only when the fingerprint changes', () => {
    let state = 'a';
    const w = new StatusWatch(() => state, 1000, 10);
    expect(w.current()).toBe(1000);
    expect(w.current()).toBe(1000);
    state = 'b';
    expect(w.current()).toBe(1001);
  });

  it('answers at once without a version or with another one, and false after the wait', async () => {
    const w = new StatusWatch(() => 'same', 5, 10);
    await expect(w.changedSince(undefined, 10_000)).resolves.toBe(true);
    await expect(w.changedSince(4, 10_000)).resolves.toBe(true);
    await expect(w.changedSince(5, 0)).resolves.toBe(false);
    await expect(w.changedSince(5, 30)).resolves.toBe(false);
  });

  it('wakes every held watch when the state moves, and on close', async () => {
    let state = 'a';
    const w = new StatusWatch(() => state, 1, 5);
    const held = [w.changedSince(1, 10_000), w.changedSince(1, 10_000)];
    state = 'b';
    await expect(Promise.all(held)).resolves.toEqual([true, true]);
    const last = w.changedSince(w.current(), 10_000);
    w.close();
    await expect(last).resolves.toBe(true);
  });
});
