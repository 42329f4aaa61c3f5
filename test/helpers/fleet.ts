// A control plane (`aerie serve`) and real agents with simulated GPUs on loopback, with the fast
// settings the fleet tests need (1 s sync intervals, failure thresholds of 1).
import { randomBytes } from 'node:crypto';
import type { NodeRead } from '../../src-main/shared/nodes.js';
import type { SettingsUpdate } from '../../src-main/shared/settings.js';
import { startAgent, type AgentProcess } from './agent-process.js';
import { api } from './http.js';
import { startServe, type ServeProcess } from './serve-process.js';
import { waitForValue } from './wait.js';

export interface Fleet {
  cp: ServeProcess;
  token: string;
  agents: Map<string, AgentProcess>;
  /** JSON call to the control plane (loopback is trusted: no token needed). */
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  nodes(): Promise<NodeRead[]>;
  /** Waits until the node named `name` satisfies `ok` (default: online) and returns it. */
  node(name: string, ok?: (n: NodeRead) => boolean, ms?: number): Promise<NodeRead>;
  /** Starts an agent announcing to this control plane. */
  addAgent(name: string, args?: string[], env?: Record<string, string>): Promise<AgentProcess>;
  stop(): Promise<void>;
}

/** Settings that make the loops react within about a second. */
export const FAST_SETTINGS: SettingsUpdate = {
  nodes_sync_interval_seconds: 1,
  deployments_sync_interval_seconds: 1,
  node_failure_threshold: 1,
  deployment_failure_threshold: 1,
};

export async function startFleet(
  opts: {
    agents?: string[];
    serveArgs?: string[];
    settings?: SettingsUpdate;
    agentArgs?: string[];
    agentEnv?: Record<string, string>;
  } = {},
): Promise<Fleet> {
  const token = `fleet-cluster-${randomBytes(12).toString('hex')}`;
  const cp = await startServe(['--cluster-token', token, ...(opts.serveArgs ?? [])]);
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await api(cp.url, method, path, body);
    return { status: r.status, body: r.body };
  };
  const put = await call('PUT', '/api/settings', { ...FAST_SETTINGS, ...opts.settings });
  if (put.status !== 200) throw new Error(`settings: ${JSON.stringify(put.body)}`);
  const agents = new Map<string, AgentProcess>();
  const nodes = async () => (await call('GET', '/api/nodes')).body as NodeRead[];
  const fleet: Fleet = {
    cp,
    token,
    agents,
    call,
    nodes,
    node: (name, ok = (n) => n.status === 'online', ms = 20_000) =>
      waitForValue(
        async () => (await nodes()).find((n) => n.hostname === name && ok(n)),
        ms,
        `node ${name} in the wanted state`,
      ),
    addAgent: async (name, args = [], env = {}) => {
      const a = await startAgent(
        [
          '--cluster-token',
          token,
          '--control-plane',
          cp.url,
          '--node-name',
          name,
          '--advertise-host',
          '127.0.0.1',
          '--simulate-gpus',
          '2xH100-80GB',
          '--runtime',
          'process',
          ...(opts.agentArgs ?? []),
          ...args,
        ],
        { AERIE_AGENT_ANNOUNCE_INTERVAL_MS: '1000', ...opts.agentEnv, ...env },
      );
      agents.set(name, a);
      return a;
    },
    stop: async () => {
      await Promise.all([...agents.values()].map((a) => a.stop()));
      await cp.stop();
    },
  };
  for (const name of opts.agents ?? []) await fleet.addAgent(name);
  return fleet;
}
