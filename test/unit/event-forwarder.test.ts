import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventForwarder } from '../../src-main/events/event-forwarder.js';

describe('EventForwarder', () => {
  it('holds events until the receiver is ready, then flushes them in arrival order', () => {
    const sent: number[] = [];
    const f = new EventForwarder<number>((e) => sent.push(e));
    f.push(1);
    f.push(2);
    f.push(3);
    expect(sent).toEqual([]);
    expect(f.stats()).toEqual({ ready: false, queued: 3, dropped: 0 });
    f.markReady();
    expect(sent).toEqual([1, 2, 3]);
    f.push(4);
    expect(sent).toEqual([1, 2, 3, 4]);
    expect(f.stats()).toEqual({ ready: true, queued: 0, dropped: 0 });
  });

  it('keeps only the newest events when the queue is full, counting the dropped ones', () => {
    const sent: number[] = [];
    const f = new EventForwarder<number>((e) => sent.push(e), { maxQueue: 3 });
    for (let i = 1; i <= 5; i++) f.push(i);
    expect(f.stats()).toEqual({ ready: false, queued: 3, dropped: 2 });
    f.markReady();
    expect(sent).toEqual([3, 4, 5]);
  });

  it('queues again after a reset (page reload) until the new page is ready', () => {
    const sent: string[] = [];
    const f = new EventForwarder<string>((e) => sent.push(e));
    f.markReady();
    f.push('a');
    f.reset();
    f.push('b');
    expect(sent).toEqual(['a']);
    f.markReady();
    f.markReady();
    expect(sent).toEqual(['a', 'b']);
  });

  it('does not send an event twice when the receiver throws during a flush', () => {
    const sent: number[] = [];
    let failOnce = true;
    const f = new EventForwarder<number>((e) => {
      if (e === 2 && failOnce) {
        failOnce = false;
        throw new Error('receiver gone');
      }
      sent.push(e);
    });
    [1, 2, 3].forEach((e) => f.push(e));
    expect(() => f.markReady()).toThrow('receiver gone');
    f.reset();
    f.markReady();
    expect(sent).toEqual([1, 3]);
  });

  it('delivers an in-order subsequence of what was pushed, and everything when the bound is never hit', () => {
    const op = fc.oneof(
      fc.record({ push: fc.integer() }),
      fc.constant('ready' as const),
      fc.constant('reset' as const),
    );
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 60 }),
        fc.integer({ min: 1, max: 8 }),
        (ops, maxQueue) => {
          const sent: number[] = [];
          const pushed: number[] = [];
          const f = new EventForwarder<number>((e) => sent.push(e), { maxQueue });
          for (const o of ops) {
            if (o === 'ready') f.markReady();
            else if (o === 'reset') f.reset();
            else {
              pushed.push(o.push);
              f.push(o.push);
            }
          }
          f.markReady();
          const { dropped } = f.stats();
          expect(sent.length + dropped).toBe(pushed.length);
          let i = 0;
          for (const e of sent) {
            while (i < pushed.length && pushed[i] !== e) i++;
            expect(i).toBeLessThan(pushed.length);
            i++;
          }
          if (dropped === 0) expect(sent).toEqual(pushed);
        },
      ),
    );
  });
});
