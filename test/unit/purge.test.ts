import { describe, expect, it } from 'vitest';
import { PurgeService, resolvePurgeTargets } from '../../src-main/admin/purge.service.js';
import { openDatabase } from '../../src-main/db/open-database.js';
import { EventBus } from '../../src-main/events/event-bus.js';
import type { AppEvent } from '../../src-main/shared/events.js';

function seeded() {
  const store = openDatabase(':memory:');
  const now = new Date().toISOString();
  const raw = store.raw;
  raw
    .prepare(
      "insert into nodes (hostname, ip_address, created_at) values ('gpu1', '10.0.0.1', ?), ('gpu2', '10.0.0.2', ?)",
    )
    .run(now, now);
  const dep = raw.prepare(
    "insert into deployments (node_id, model_name, port, gpu_memory_fraction, status, created_at) values (?, 'm', ?, 0.5, 'running', ?)",
  );
  dep.run(1, 8001, now);
  dep.run(1, 8002, now);
  dep.run(2, 8001, now);
  const metric = raw.prepare(
    "insert into node_metrics (node_id, recorded_at, gpus) values (?, ?, '[]')",
  );
  for (let i = 0; i < 5; i++) metric.run(1 + (i % 2), now);
  raw
    .prepare(
      "insert into deployment_configs (name, payload, created_at) values ('a', '{}', ?), ('b', '{}', ?)",
    )
    .run(now, now);
  const bus = new EventBus();
  const events: AppEvent[] = [];
  bus.onAny((e) => events.push(e));
  return {
    store,
    svc: new PurgeService(store.db, bus),
    events,
    count: (t: string) => raw.prepare(`select count(*) from ${t}`).pluck().get(),
  };
}

describe('admin purge', () => {
  it('resolves targets: empty means all, nodes implies deployments and metrics', () => {
    expect([...resolvePurgeTargets(undefined)].sort()).toEqual([
      'configs',
      'deployments',
      'metrics',
      'nodes',
    ]);
    expect([...resolvePurgeTargets([])].sort()).toEqual([
      'configs',
      'deployments',
      'metrics',
      'nodes',
    ]);
    expect([...resolvePurgeTargets(['nodes'])].sort()).toEqual(['deployments', 'metrics', 'nodes']);
    expect([...resolvePurgeTargets(['configs'])]).toEqual(['configs']);
  });

  it('rejects unknown targets with 400 naming the valid ones', () => {
    expect(() => resolvePurgeTargets(['deployments', 'users'])).toThrow(
      'Unknown purge target(s): users. Valid targets: deployments, nodes, metrics, configs.',
    );
  });

  it('deletes only the chosen categories and reports counts and events', async () => {
    const { svc, events, count } = seeded();
    expect(await svc.purge(['deployments'])).toEqual({ purged: { deployments: 3 } });
    expect(count('deployments')).toBe(0);
    expect(count('nodes')).toBe(2);
    expect(count('deployment_configs')).toBe(2);
    expect(events).toEqual([
      { type: 'deployments_changed', ids: [1, 2, 3], deployments: [], deleted: [1, 2, 3] },
    ]);
  });

  it('purges everything when no target is given', async () => {
    const { svc, events, count } = seeded();
    expect(await svc.purge(undefined)).toEqual({
      purged: { deployments: 3, metrics: 5, nodes: 2, configs: 2 },
    });
    for (const t of ['deployments', 'node_metrics', 'nodes', 'deployment_configs'])
      expect(count(t)).toBe(0);
    expect(events.map((e) => e.type)).toEqual(['deployments_changed', 'nodes_changed']);
    expect(events[1]).toMatchObject({ deleted: [1, 2] });
  });

  it('changes nothing when a target is unknown', async () => {
    const { svc, count } = seeded();
    await expect(svc.purge(['nodes', 'bogus'])).rejects.toMatchObject({ code: 'bad_request' });
    expect(count('nodes')).toBe(2);
    expect(count('deployments')).toBe(3);
  });
});
