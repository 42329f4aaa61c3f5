import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  allocateInternalPort,
  INTERNAL_PORT_MAX,
  INTERNAL_PORT_MIN,
} from '../../src-main/agent/engine/warm/internal-port.js';

describe('allocateInternalPort', () => {
  it('claims before it probes, skips refused claims and gives back a claim whose port is bound', async () => {
    const claimed = new Set<number>();
    const released: number[] = [];
    // Everything but two ports is held by other deployments; one of the two is bound elsewhere.
    const free = [INTERNAL_PORT_MIN + 7, INTERNAL_PORT_MIN + 8];
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(free[0], '127.0.0.1', () => r()));
    try {
      const got = await allocateInternalPort((p) => {
        if (!free.includes(p) || claimed.has(p)) return null;
        claimed.add(p);
        return () => {
          claimed.delete(p);
          released.push(p);
        };
      });
      expect(got.port).toBe(free[1]);
      expect(claimed).toEqual(new Set([free[1]]));
      if (released.length > 0) expect(released).toEqual([free[0]]);
      got.release();
      expect(claimed.size).toBe(0);
    } finally {
      blocker.close();
    }
    await expect(allocateInternalPort(() => null)).rejects.toThrow(
      `No free loopback port in ${INTERNAL_PORT_MIN}-${INTERNAL_PORT_MAX}`,
    );
  });
});
