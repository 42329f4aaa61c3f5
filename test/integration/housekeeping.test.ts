import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/http.js';
import { startServe, type ServeProcess } from '../helpers/serve-process.js';
import { waitFor } from '../helpers/wait.js';

let s: ServeProcess;
beforeAll(async () => {
  s = await startServe();
});
afterAll(() => s.stop());

describe('housekeeping loop', () => {
  it('prunes node metrics past the retention, with interval and retention changed live', async () => {
    const raw = new BetterSqlite3(join(s.dataDir, 'aerie.db'));
    raw.pragma('busy_timeout = 5000');
    const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
    raw
      .prepare(
        "insert into nodes (hostname, ip_address, created_at) values ('gpu1', '10.0.0.1', ?)",
      )
      .run(hoursAgo(0));
    const insert = raw.prepare(
      "insert into node_metrics (node_id, recorded_at, gpus) values (1, ?, '[]')",
    );
    for (const h of [0.1, 3, 30, 72]) insert.run(hoursAgo(h));
    const count = () => raw.prepare('select count(*) from node_metrics').pluck().get() as number;

    const loopTicks = async () =>
      (
        (await api(s.url, 'GET', '/api/health')).body as {
          loops: { ticks: number; interval_seconds: number }[];
        }
      ).loops[0]!;
    await waitFor(async () => (await loopTicks()).ticks >= 1, 10_000, 'first housekeeping tick');
    expect(count()).toBe(3);

    // The default interval is 30 s; the new 5 s interval must apply to the wait already in progress.
    const ticksBefore = (await loopTicks()).ticks;
    await api(s.url, 'PUT', '/api/settings', {
      node_metrics_retention_hours: 2,
      expiry_check_interval_seconds: 5,
    });
    expect((await loopTicks()).interval_seconds).toBe(5);
    await waitFor(() => count() === 1, 15_000, 'rows older than 2 h to be pruned');
    expect((await loopTicks()).ticks).toBeGreaterThan(ticksBefore);
    raw.close();
  }, 40_000);
});
