import { isPortAvailable } from '../../system/port-check.js';

/** Range of loopback ports for warm deployments' vLLM servers (behaviour.md §3.2). */
export const INTERNAL_PORT_MIN = 41000;
export const INTERNAL_PORT_MAX = 41999;

/**
 * A free loopback port in the internal range that no tracked deployment already uses. Starts at a
 * random offset so that a port freed a moment ago (a dying server) is not handed out first.
 */
export async function allocateInternalPort(taken: ReadonlySet<number>): Promise<number> {
  const span = INTERNAL_PORT_MAX - INTERNAL_PORT_MIN + 1;
  const start = Math.floor(Math.random() * span);
  for (let i = 0; i < span; i++) {
    const port = INTERNAL_PORT_MIN + ((start + i) % span);
    if (taken.has(port)) continue;
    if (await isPortAvailable(port, '127.0.0.1')) return port;
  }
  throw new Error(
    `No free loopback port in ${INTERNAL_PORT_MIN}-${INTERNAL_PORT_MAX} for the warm-mode vLLM server.`,
  );
}
