// The expiry loop's long paths on an injected clock: a real SQLite store, the real services, and
// an agent address nothing answers on (the best-effort stop is logged, not thrown).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentClient } from '../../src-main/agent-client/agent-client.js';
import { openDatabase, type Store } from '../../src-main/db/open-database.js';
import { DeploymentLauncher } from '../../src-main/deployments/deployment-launcher.js';
import { DeploymentStore } from '../../src-main/deployments/deployment-store.js';
import { DeploymentService } from '../../src-main/deployments/deployment.service.js';
import * as repo from '../../src-main/deployments/deployment.repository.js';
import { ExpiryWatch } from '../../src-main/deployments/expiry.js';
import type { LifecycleNotice } from '../../src-main/deployments/notifier.js';
import { EventBus } from '../../src-main/events/event-bus.js';
import { NodeService } from '../../src-main/nodes/node.service.js';
import { SettingsService } from '../../src-main/settings/settings.service.js';
import type { AppEvent } from '../../src-main/shared/events.js';
import { ManualClock } from '../helpers/manual-clock.js';

let store: Store;
let clock: ManualClock;
let events: AppEvent[];
let notices: LifecycleNotice[];
let watch: ExpiryWatch;
let deployments: DeploymentService;
let agents: AgentClient;

beforeEach(async () => {
  store = openDatabase(join(mkdtempSync(join(tmpdir(), 'aerie-expiry-')), 'aerie.db'));
  clock = new ManualClock(Date.parse('2026-03-01T12:00:00Z'));
  const bus = new EventBus();
  events = [];
  bus.onAny((e) => events.push(e));
  notices = [];
  const settings = new SettingsService(store.db, bus, () => new Date(clock.now()));
  await settings.init();
  await settings.update({ expiry_warning_minutes: 30 });
  agents = new AgentClient({ clusterToken: 'c'.repeat(20) });
  const nodes = new NodeService({ db: store.db, bus, settings, agents, clock });
  const ds = new DeploymentStore(store.db, bus, nodes, clock);
  deployments = new DeploymentService(ds, new DeploymentLauncher(ds, agents, settings), agents);
  watch = new ExpiryWatch({
    store: ds,
    deployments,
    settings,
    bus,
    notify: (n) => notices.push(n),
  });
  await store.db
    .insertInto('nodes')
    .values({
      hostname: 'gpu-x',
      ip_address: '127.0.0.1',
      port: 1,
      status: 'online',
      maintenance_gpus: '[]',
      gpu_usage: '[]',
      default_pip_packages: '[]',
      installed_packages: '[]',
      available_runtimes: '["process"]',
      warm_offload_enabled: 0,
      created_at: '2026-03-01T00:00:00Z',
    })
    .execute();
});
afterEach(async () => {
  await agents.close();
  await store.close();
});

async function deployment(status: string, expiresInMs: number | null) {
  return repo.insertDeployment(store.db, {
    node_id: 1,
    model_name: `org/m-${Math.random()}`,
    served_model_name: null,
    port: 8000 + Math.floor(Math.random() * 1000),
    gpu_memory_fraction: 0.5,
    gpu_ids: null,
    tensor_parallel_size: null,
    extra_args: '[]',
    env_vars: '[]',
    vllm_version: null,
    container_runtime: 'process',
    image_digest: null,
    extra_packages: '[]',
    engine_args: '{}',
    lora_modules: '[]',
    max_failed_restarts: null,
    pinned: 0,
    status,
    last_error: null,
    detail: null,
    status_changed_at: null,
    total_prompt_tokens: 0,
    total_completion_tokens: 0,
    total_requests: 0,
    prompt_tps: null,
    generation_tps: null,
    owner: 'ana',
    duration_seconds: 3600,
    expires_at: expiresInMs === null ? null : new Date(clock.now() + expiresInMs).toISOString(),
    created_at: '2026-03-01T00:00:00Z',
    warm: 0,
    pause_tier: null,
    error_code: null,
  });
}
const statusOf = async (id: number) => (await repo.getDeployment(store.db, id))!.status;
const warnings = () => events.filter((e) => e.type === 'expiry_warning');

describe('the expiry loop', () => {
  it('stops a deployment whose deadline passed as expired, once, with a deployment_expired notice', async () => {
    const d = await deployment('running', 60_000);
    await watch.tick();
    expect(await statusOf(d.id)).toBe('running');
    await clock.advance(60_000);
    await watch.tick();
    expect(await statusOf(d.id)).toBe('expired');
    expect(notices.filter((n) => n.event === 'deployment_expired')).toEqual([
      {
        event: 'deployment_expired',
        message: `${d.model_name} (deployment ${d.id}) reached its serve duration and was stopped`,
        fields: { deployment_id: d.id, model: d.model_name },
      },
    ]);
    await watch.tick();
    expect(notices.filter((n) => n.event === 'deployment_expired')).toHaveLength(1);
  });

  it('expires paused and loading deployments too, but not stopped or starting ones', async () => {
    const paused = await deployment('paused_ram', -1);
    const loading = await deployment('loading', -1);
    const stopped = await deployment('stopped', -1);
    const starting = await deployment('starting', -1);
    await watch.tick();
    expect([
      await statusOf(paused.id),
      await statusOf(loading.id),
      await statusOf(stopped.id),
      await statusOf(starting.id),
    ]).toEqual(['expired', 'expired', 'stopped', 'starting']);
  });

  it('warns once per (deployment, deadline) inside the window, and again after an extension', async () => {
    const d = await deployment('running', 2 * 3600_000);
    await watch.tick();
    expect(warnings()).toHaveLength(0);
    await clock.advance(2 * 3600_000 - 29 * 60_000);
    await watch.tick();
    await watch.tick();
    expect(warnings()).toEqual([
      {
        type: 'expiry_warning',
        deployment_id: d.id,
        model: d.model_name,
        expires_at: d.expires_at,
        minutes_left: 29,
      },
    ]);
    expect(notices.map((n) => n.event)).toEqual(['deployment_expiring']);
    expect(notices[0]!.message).toBe(
      `${d.model_name} (deployment ${d.id}) expires in ~29m — extend it from the dashboard to keep it serving`,
    );
    await deployments.extend(d.id, { hours: 1 });
    await watch.tick();
    expect(warnings()).toHaveLength(1);
    await clock.advance(3600_000);
    await watch.tick();
    expect(warnings()).toHaveLength(2);
    expect(warnings()[1]).toMatchObject({ minutes_left: 29 });
  });
});
