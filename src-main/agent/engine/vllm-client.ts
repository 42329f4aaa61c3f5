import { request } from 'undici';
import { vllmProfile } from '../../shared/vllm-versions.js';

const LOOPBACK = '127.0.0.1';

async function call(
  port: number,
  method: 'GET' | 'POST',
  path: string,
  timeoutMs: number,
  json?: unknown,
): Promise<{ status: number; text: string }> {
  const res = await request(`http://${LOOPBACK}:${port}${path}`, {
    method,
    ...(json !== undefined && {
      body: JSON.stringify(json),
      headers: { 'content-type': 'application/json' },
    }),
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.body.text();
  return { status: res.statusCode, text };
}

/** Readiness as the reference probes it: `GET /health`, then `GET /v1/models`; true on the first 200. */
export async function probeReady(port: number, timeoutMs = 3000): Promise<boolean> {
  for (const path of ['/health', '/v1/models']) {
    try {
      if ((await call(port, 'GET', path, timeoutMs)).status === 200) return true;
    } catch {
      // Not listening yet (vLLM binds late) or not answering: try the next probe.
    }
  }
  return false;
}

/** vLLM's Prometheus text from `GET /metrics`, or null when it does not answer 200. */
export async function fetchMetrics(port: number, timeoutMs = 5000): Promise<string | null> {
  try {
    const r = await call(port, 'GET', '/metrics', timeoutMs);
    return r.status === 200 ? r.text : null;
  } catch {
    return null;
  }
}

/**
 * Puts the engine to sleep: level 1 offloads the weights to host RAM, level 2 drops them (no host
 * RAM held; they are reloaded on wake). Throws with the status on failure. A release with sleep
 * modes is told `mode=wait`: a request that slipped in after the agent's idle check finishes
 * instead of being aborted (0.11 has no modes and ignores the parameter).
 */
export async function sleepEngine(
  port: number,
  timeoutMs = 120_000,
  level: 1 | 2 = 1,
  vllmVersion: string | null = null,
): Promise<void> {
  const mode = vllmProfile(vllmVersion).sleepModes ? '&mode=wait' : '';
  const r = await call(port, 'POST', `/sleep?level=${level}${mode}`, timeoutMs);
  if (r.status !== 200) throw new Error(`POST /sleep?level=${level} answered ${r.status}`);
}

/** After a level-2 sleep and `/wake_up`: reloads the weights from the model files (interfaces.md §1.7). */
export async function reloadWeights(port: number, timeoutMs = 120_000): Promise<void> {
  const r = await call(port, 'POST', '/collective_rpc', timeoutMs, { method: 'reload_weights' });
  if (r.status !== 200) throw new Error(`POST /collective_rpc reload_weights answered ${r.status}`);
}

/** Wakes the engine; throws with the status on failure. */
export async function wakeEngine(port: number, timeoutMs = 120_000): Promise<void> {
  const r = await call(port, 'POST', '/wake_up', timeoutMs);
  if (r.status !== 200) throw new Error(`POST /wake_up answered ${r.status}`);
}

/** Best effort: a stale prefix cache after a wake only costs speed, so errors are ignored. */
export async function resetPrefixCache(port: number): Promise<void> {
  try {
    await call(port, 'POST', '/reset_prefix_cache', 10_000);
  } catch {
    // Best effort by design.
  }
}

/** `GET /is_sleeping` → true/false, or null when the server does not answer it. */
export async function isSleeping(port: number, timeoutMs = 5000): Promise<boolean | null> {
  try {
    const r = await call(port, 'GET', '/is_sleeping', timeoutMs);
    if (r.status !== 200) return null;
    const body = JSON.parse(r.text) as { is_sleeping?: unknown };
    return typeof body.is_sleeping === 'boolean' ? body.is_sleeping : null;
  } catch {
    return null;
  }
}
