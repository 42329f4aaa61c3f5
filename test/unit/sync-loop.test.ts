import { describe, expect, it } from 'vitest';
import { SyncLoop } from '../../src-main/shared/node/sync-loop.js';
import { createCategoryLogger } from '../../src-main/shared/node/structured-log.js';
import { flush, ManualClock } from '../helpers/manual-clock.js';

function loop(clock: ManualClock, interval: { s: number }, tick: () => Promise<void>) {
  return new SyncLoop({
    name: 'test',
    logger: createCategoryLogger('loops'),
    clock,
    intervalSeconds: () => interval.s,
    tick,
  });
}

describe('SyncLoop', () => {
  it('ticks every interval and reads the interval before each wait', async () => {
    const clock = new ManualClock();
    const interval = { s: 10 };
    let ticks = 0;
    const l = loop(clock, interval, () => Promise.resolve(void ticks++));
    l.start(0);
    await clock.advance(0);
    expect(ticks).toBe(1);
    await clock.advance(9_999);
    expect(ticks).toBe(1);
    await clock.advance(1);
    expect(ticks).toBe(2);
    interval.s = 2;
    await clock.advance(10_000);
    expect(ticks).toBe(3);
    await clock.advance(2_000);
    expect(ticks).toBe(4);
    await l.stop();
  });

  it('applies a shorter interval to the wait already in progress when rescheduled', async () => {
    const clock = new ManualClock();
    const interval = { s: 30 };
    let ticks = 0;
    const l = loop(clock, interval, () => Promise.resolve(void ticks++));
    l.start(0);
    await clock.advance(0);
    await clock.advance(5_000);
    interval.s = 5;
    l.reschedule();
    await clock.advance(0);
    expect(ticks).toBe(2);
    await clock.advance(5_000);
    expect(ticks).toBe(3);
    await l.stop();
  });

  it('never overlaps itself when a tick outlasts the interval', async () => {
    const clock = new ManualClock();
    let active = 0;
    let maxActive = 0;
    let release!: () => void;
    const l = loop(clock, { s: 1 }, async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise<void>((r) => (release = r));
      active--;
    });
    l.start(0);
    await clock.advance(5_000);
    expect(active).toBe(1);
    void l.runOnce();
    await flush();
    expect(maxActive).toBe(1);
    release();
    await flush();
    await clock.advance(1_000);
    expect(maxActive).toBe(1);
    release();
    await l.stop();
  });

  it('survives a failing tick, records the error, backs off and recovers', async () => {
    const clock = new ManualClock();
    let fail = true;
    let ticks = 0;
    const l = loop(clock, { s: 1 }, () => {
      ticks++;
      return fail ? Promise.reject(new Error('agent unreachable')) : Promise.resolve();
    });
    l.start(0);
    await clock.advance(0);
    expect(l.status()).toMatchObject({ ticks: 1, failures: 1, last_error: 'agent unreachable' });
    await clock.advance(1_000);
    expect(ticks).toBe(1);
    await clock.advance(1_000);
    expect(ticks).toBe(2);
    fail = false;
    await clock.advance(4_000);
    expect(ticks).toBe(3);
    expect(l.status()).toMatchObject({ failures: 2, last_error: null });
    await clock.advance(1_000);
    expect(ticks).toBe(4);
    await l.stop();
  });

  it('stops scheduling after stop() and waits for the running tick', async () => {
    const clock = new ManualClock();
    let finished = false;
    let release!: () => void;
    const l = loop(clock, { s: 1 }, async () => {
      await new Promise<void>((r) => (release = r));
      finished = true;
    });
    l.start(0);
    await clock.advance(0);
    const stopped = l.stop();
    release();
    await stopped;
    expect(finished).toBe(true);
    expect(clock.pending).toBe(0);
  });
});
