// The control plane's per-node status watch against a real HTTP server standing in for an agent:
// it backs off after failures, syncs the node from the entries of every answer that reports a
// change (the first one included: what changed before the watch began), and ends held watches on
// close.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentClient } from '../../src-main/agent-client/agent-client.js';
import { createLogger } from '../../src-main/logging/logger.js';
import { NodeStatusWatch } from '../../src-main/loops/status-watch.loop.js';
import type { StatusEntry } from '../../src-main/shared/agent-protocol/deployments.js';
import { waitFor } from '../helpers/wait.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

describe('NodeStatusWatch', () => {
  it('backs off after failures, syncs on each change, and ends held watches on close', async () => {
    const seen: { at: number; since: string | null }[] = [];
    const held: ServerResponse[] = [];
    let version = 7;
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      seen.push({ at: performance.now(), since: url.searchParams.get('since') });
      const send = (status: number, body: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (seen.length <= 2) return send(503, { detail: 'agent starting' });
      const since = url.searchParams.get('since');
      if (since === null || Number(since) !== version)
        return send(200, { version, changed: true, deployments: [] });
      held.push(res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(
      () =>
        new Promise<void>((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
    );
    const port = (server.address() as AddressInfo).port;
    const synced: [number, StatusEntry[] | undefined][] = [];
    const watch = new NodeStatusWatch({
      nodes: {
        rows: () => Promise.resolve([{ id: 1 }]),
        addressOf: () => ({ host: '127.0.0.1', port }),
      },
      agents: new AgentClient({ clusterToken: 't' }),
      sync: {
        syncNode: (id, entries) => {
          synced.push([id, entries]);
          return Promise.resolve();
        },
      },
      logger: createLogger('loops'),
    });
    closers.push(() => watch.close());
    await watch.reconcile();
    await watch.reconcile(); // once per node, however often it is reconciled

    // Two failures, then the version, then a held watch from that version.
    await waitFor(() => held.length === 1, 10_000, 'a held watch');
    expect(seen.map((s) => s.since)).toEqual([null, null, null, '7']);
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(450);
    expect(seen[2]!.at - seen[1]!.at).toBeGreaterThanOrEqual(950);
    expect(synced).toEqual([[1, []]]);

    // A change: the held watch answers, the node is synced from its entries, the next is held.
    version = 8;
    const entries: StatusEntry[] = [];
    held
      .shift()!
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ version, changed: true, deployments: entries }));
    await waitFor(() => held.length === 1, 10_000, 'the next held watch');
    expect(synced).toEqual([
      [1, []],
      [1, []],
    ]);
    expect(seen.at(-1)?.since).toBe('8');

    // Closing ends the held watch without waiting for its 25 s.
    await watch.close();
    expect(synced).toHaveLength(2);
  });
});
