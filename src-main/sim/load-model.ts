import { connect } from 'node:net';
import { bindFailureLine } from './fault-lines.js';
import { heldByVllm } from './port-sharing.js';
import type { ServePlan } from './serve-plan.js';
import type { SimLifecycle } from './sim-lifecycle.js';
import { runStartup } from './startup.js';

/** Resolves true when something accepts TCP connections on host:port (vLLM binds first and fails early on a non-sharing one). */
function portTaken(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: host === '0.0.0.0' || host === '' ? '127.0.0.1' : host, port });
    const done = (taken: boolean) => {
      sock.destroy();
      resolve(taken);
    };
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
    sock.setTimeout(500, () => done(false));
  });
}

/** Start-up's waits, kept so that a run that ends while loading can cancel the pending ones. */
function cancellableWaits(): { wait: (ms: number) => Promise<void>; cancelAll: () => void } {
  const timers = new Set<NodeJS.Timeout>();
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });
  const cancelAll = () => {
    for (const t of timers) clearTimeout(t);
  };
  return { wait, cancelAll };
}

/**
 * The loading part of a run: fails like vLLM when the port is taken, then prints the start-up log
 * through the load phases. Resolves true once the model is "loaded", false when the run ended
 * instead (exit 1 for a taken port or a start-up fault; a signal while loading ended it with 0).
 */
export async function loadModel(plan: ServePlan, life: SimLifecycle): Promise<boolean> {
  // A port another vLLM holds is shared (SO_REUSEPORT), not refused: see port-sharing.ts.
  if (
    life.port !== 0 &&
    (await portTaken(plan.host, life.port)) &&
    !(await heldByVllm(plan.host, life.port))
  ) {
    plan.log.raw('stderr', bindFailureLine(null));
    life.end(1);
    return false;
  }
  life.writeStatus();
  const waits = cancellableWaits();
  const started = runStartup({ ...plan, setPhase: (p) => life.setPhase(p), wait: waits.wait });
  const ok = await Promise.race([started, life.exited.then(() => null)]);
  if (ok === true) return true;
  waits.cancelAll();
  life.end(1);
  return false;
}
