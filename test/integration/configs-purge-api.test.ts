import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { api, wsClient } from '../helpers/http.js';
import { startServe, type ServeProcess } from '../helpers/serve-process.js';
import { waitFor } from '../helpers/wait.js';

let s: ServeProcess;
let ws: { ws: WebSocket; messages: Record<string, unknown>[] };
beforeAll(async () => {
  s = await startServe();
  ws = await wsClient(s.url);
});
afterAll(async () => {
  ws.ws.close();
  await s.stop();
});

describe('saved configurations API', () => {
  it('saves, lists newest first, and deletes configurations', async () => {
    const a = await api(s.url, 'POST', '/api/configs', {
      name: 'llama-8b',
      payload: { model_name: 'meta-llama/Meta-Llama-3-8B', port: 8001 },
    });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({
      id: expect.any(Number) as unknown,
      name: 'llama-8b',
      payload: { port: 8001 },
      created_at: expect.any(String) as unknown,
    });
    const b = await api(s.url, 'POST', '/api/configs', { name: 'qwen', payload: {} });
    const list = (await api(s.url, 'GET', '/api/configs')).body as { name: string }[];
    expect(list.map((c) => c.name)).toEqual(['qwen', 'llama-8b']);
    const del = await api(s.url, 'DELETE', `/api/configs/${(b.body as { id: number }).id}`);
    expect(del.status).toBe(204);
    expect(((await api(s.url, 'GET', '/api/configs')).body as unknown[]).length).toBe(1);
  });

  it('answers a duplicate name with 409 and keeps the original', async () => {
    await api(s.url, 'POST', '/api/configs', { name: 'dup', payload: { v: 1 } });
    const r = await api(s.url, 'POST', '/api/configs', { name: 'dup', payload: { v: 2 } });
    expect(r.status).toBe(409);
    expect(r.body).toEqual({ detail: expect.stringContaining("'dup' already exists") as unknown });
    const list = (await api(s.url, 'GET', '/api/configs')).body as {
      name: string;
      payload: { v: number };
    }[];
    expect(list.find((c) => c.name === 'dup')!.payload).toEqual({ v: 1 });
  });

  it.each([
    [{ name: 'x', payload: [1] }],
    [{ name: 'x', payload: 'str' }],
    [{ name: '', payload: {} }],
    [{ payload: {} }],
    [{ name: 'x', payload: {}, extra: 1 }],
  ])('rejects %j with 422', async (body) => {
    const r = await api(s.url, 'POST', '/api/configs', body);
    expect(r.status).toBe(422);
    expect(Array.isArray((r.body as { detail: unknown }).detail)).toBe(true);
  });

  it('answers 404 for an unknown id and 422 for a malformed one', async () => {
    expect((await api(s.url, 'DELETE', '/api/configs/99999')).body).toEqual({
      detail: 'Configuration 99999 not found.',
    });
    expect((await api(s.url, 'DELETE', '/api/configs/abc')).status).toBe(422);
  });
});

describe('admin purge API', () => {
  function seed() {
    const raw = new BetterSqlite3(join(s.dataDir, 'aerie.db'));
    const now = new Date().toISOString();
    raw
      .prepare("insert into nodes (hostname, ip_address, created_at) values (?, '10.0.0.9', ?)")
      .run(`gpu-${Math.random()}`, now);
    const nodeId = raw.prepare('select max(id) from nodes').pluck().get() as number;
    raw
      .prepare(
        "insert into deployments (node_id, model_name, port, gpu_memory_fraction, status, created_at) values (?, 'm', 8001, 0.5, 'running', ?)",
      )
      .run(nodeId, now);
    raw
      .prepare("insert into node_metrics (node_id, recorded_at, gpus) values (?, ?, '[]')")
      .run(nodeId, now);
    raw.close();
    return nodeId;
  }

  it('rejects an unknown target with 400 naming the valid ones, deleting nothing', async () => {
    seed();
    const r = await api(s.url, 'POST', '/api/admin/purge', { targets: ['nodes', 'everything'] });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      detail:
        'Unknown purge target(s): everything. Valid targets: deployments, nodes, metrics, configs.',
    });
  });

  it('purges nodes with their deployments and metrics, keeps configs, and emits events', async () => {
    const nodeId = seed();
    ws.messages.length = 0;
    const r = await api(s.url, 'POST', '/api/admin/purge', { targets: ['nodes'] });
    expect(r.status).toBe(200);
    const purged = (r.body as { purged: Record<string, number> }).purged;
    expect(Object.keys(purged).sort()).toEqual(['deployments', 'metrics', 'nodes']);
    expect(purged.nodes).toBeGreaterThanOrEqual(1);
    await waitFor(() => ws.messages.some((m) => m.type === 'nodes_changed'));
    expect(ws.messages.find((m) => m.type === 'nodes_changed')).toMatchObject({
      deleted: expect.arrayContaining([nodeId]) as unknown,
    });
    expect(ws.messages.some((m) => m.type === 'deployments_changed')).toBe(true);
    expect(((await api(s.url, 'GET', '/api/configs')).body as unknown[]).length).toBeGreaterThan(0);
  });

  it('purges every category when no body is sent', async () => {
    seed();
    const r = await api(s.url, 'POST', '/api/admin/purge');
    expect(r.status).toBe(200);
    expect(Object.keys((r.body as { purged: object }).purged).sort()).toEqual([
      'configs',
      'deployments',
      'metrics',
      'nodes',
    ]);
    expect((await api(s.url, 'GET', '/api/configs')).body).toEqual([]);
  });
});
