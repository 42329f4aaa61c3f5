// One real `aerie agent` process per suite file, driven over its HTTP API, plus the runtime
// adapter that tells the shared scenarios (agent-scenarios.ts) what differs between runtimes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { expect } from 'vitest';
import { type StatusEntry } from '../../src-main/shared/agent-protocol/deployments.js';
import { type AgentProcess, startAgent } from './agent-process.js';
import { freePort, simLaunch } from './engine-harness.js';
import { waitFor, waitForValue } from './wait.js';

/** Something started behind the agent's back, as the agent should list it. */
export interface HandStarted {
  /** `container`: listed by `GET /containers` (id prefix); `gpu-process`: by `GET /gpu-processes` (pid). */
  kind: 'container' | 'gpu-process';
  id: string;
  /** True while it still exists, asked outside the agent. */
  exists(): Promise<boolean>;
  /** Removes it if a failed test left it behind. */
  cleanup(): Promise<void>;
}

/** What differs between runtimes; everything else in a scenario is shared. */
export interface RuntimeAdapter {
  runtime: 'podman' | 'process';
  /** Agent flags selecting the runtime (and image repository). */
  agentArgs: string[];
  agentEnv: Record<string, string>;
  /** The image a `vllm_version: "test"` deployment reports. */
  image: string;
  /** True while the runtime still has this container, asked outside the agent. */
  containerExists(id: string): Promise<boolean>;
  /** Starts a simulator by hand (not through the agent), serving on `port`. */
  startByHand(dataDir: string, port: number): Promise<HandStarted>;
}

/** One agent on one data dir, restartable; scenarios share it in file order. */
export interface Session {
  adapter: RuntimeAdapter;
  dataDir: string;
  token: string;
  agent: AgentProcess;
  /** Keys this file launched, for the final clean-up. */
  keys: Set<string>;
}

const AGENT_ENV = { AERIE_AGENT_MONITOR_INTERVAL_MS: '200', AERIE_LOG_LEVEL: 'warn' };

/** Starts (or restarts) the session's agent on its data dir. */
export async function launchAgent(
  s: Pick<Session, 'adapter' | 'dataDir' | 'token'>,
): Promise<AgentProcess> {
  const args = [
    '--data-dir',
    s.dataDir,
    '--cluster-token',
    s.token,
    '--simulate-gpus',
    '2xH100-80GB',
    ...s.adapter.agentArgs,
  ];
  return startAgent(args, { ...AGENT_ENV, ...s.adapter.agentEnv });
}

/** Starts the agent for `adapter` on a fresh data dir. */
export async function openSession(adapter: RuntimeAdapter): Promise<Session> {
  const dataDir = mkdtempSync(join(tmpdir(), `aerie-suite-${adapter.runtime}-`));
  const token = `suite-token-${process.pid}-${Date.now()}`;
  return {
    adapter,
    dataDir,
    token,
    agent: await launchAgent({ adapter, dataDir, token }),
    keys: new Set(),
  };
}

/** Stops every deployment still live, then the agent, and removes the data dir. */
export async function closeSession(s: Session | undefined): Promise<void> {
  if (!s) return;
  for (const key of s.keys)
    await call(s, 'POST', '/deployments/stop', { key }).catch(() => undefined);
  await waitFor(
    async () => (await statuses(s)).every((e) => e.status === 'stopped' || e.status === 'error'),
    30_000,
    'clean-up stops',
  ).catch(() => undefined);
  await s.agent.stop();
  rmSync(s.dataDir, { recursive: true, force: true });
}

/** Calls the agent API with the cluster token; returns status and parsed JSON. */
export async function call(
  s: Session,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${s.agent.url}${path}`, {
    method,
    headers: {
      ...s.agent.auth(),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
}

/** Every status entry the agent reports. */
export async function statuses(s: Session): Promise<StatusEntry[]> {
  return ((await call(s, 'GET', '/deployments/status')).body as { deployments: StatusEntry[] })
    .deployments;
}

/** The status entry of `key`, if the agent has one. */
export async function entry(s: Session, key: string): Promise<StatusEntry | undefined> {
  return (await statuses(s)).find((e) => e.key === key);
}

/** A secret env value: it must never show up in statuses or logs. */
export const SECRET = 'hf_scenario_secret_0123456789';
/** Short simulator timings for every deployment. */
const FAST_SIM = {
  AERIE_SIM_LOAD_S: '0.5',
  AERIE_SIM_TOKENS_PER_S: '0',
  AERIE_SIM_SLEEP_WAKE_MS: '50',
};

/** Polls until `key` has `status`; the error shows the last entry seen. */
export async function untilStatus(
  s: Session,
  key: string,
  status: StatusEntry['status'],
  ms = 30_000,
): Promise<StatusEntry> {
  let last: StatusEntry | undefined;
  try {
    return await waitForValue(
      async () => ((last = await entry(s, key))?.status === status ? last : null),
      ms,
      `${key} to be ${status}`,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last entry: ${JSON.stringify(last)}`);
  }
}

/** A `POST /deployments/start` body for the simulator image (`vllm_version: "test"`). */
export function launchBody(
  model: string,
  port: number,
  extra: Record<string, unknown> = {},
  env: Record<string, string> = {},
) {
  // No gpu_ids unless given: the deployment may use every GPU (undefined is left out of the JSON).
  return simLaunch(
    model,
    port,
    { gpu_memory_fraction: 0.3, vllm_version: 'test', gpu_ids: undefined, ...extra },
    { ...FAST_SIM, ...env },
  );
}

/** Simulated GPU memory in use, summed over the node's GPUs (MB). */
export async function gpuUsedMb(s: Session): Promise<number> {
  const m = (await call(s, 'GET', '/metrics')).body as { gpus: { memory_used_mb: number }[] };
  return m.gpus.reduce((sum, g) => sum + g.memory_used_mb, 0);
}

/** One chat completion with the official openai client; returns the reply text. */
export async function chat(port: number, model: string): Promise<string> {
  const client = new OpenAI({
    baseURL: `http://127.0.0.1:${port}/v1`,
    apiKey: 'unused',
    maxRetries: 0,
  });
  const r = await client.chat.completions.create({
    model,
    messages: [{ role: 'user', content: 'hello there' }],
    max_tokens: 6,
  });
  expect(r.usage?.completion_tokens).toBeGreaterThan(0);
  return r.choices[0]?.message.content ?? '';
}

/** Ports and keys of the deployments the scenarios share. */
export interface Deployments {
  cold: { model: string; port: number; key: string };
  warm: { model: string; port: number; key: string };
}

/** Picks free ports for the shared deployments. */
export async function pickDeployments(): Promise<Deployments> {
  const coldPort = await freePort();
  const warmPort = await freePort();
  return {
    cold: { model: 'Qwen/Qwen3-0.6B', port: coldPort, key: `Qwen/Qwen3-0.6B:${coldPort}` },
    warm: {
      model: 'meta-llama/Llama-3.2-1B',
      port: warmPort,
      key: `meta-llama/Llama-3.2-1B:${warmPort}`,
    },
  };
}
