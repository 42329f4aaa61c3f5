import { isPortAvailable } from '../../system/port-check.js';

/** Range of loopback ports for warm deployments' vLLM servers (behaviour.md §3.2). */
export const INTERNAL_PORT_MIN = 41000;
export const INTERNAL_PORT_MAX = 41999;

/**
 * Claims a port for this launch, or answers false when another deployment (live or launching,
 * public or internal port) holds it. Must not await: the claim is what two concurrent launches
 * race for. Returns the release, or null when refused.
 */
export type PortClaim = (port: number) => (() => void) | null;

/**
 * A free loopback port in the internal range, claimed through `claim` before it is probed, so two
 * launches never get the same one: vLLM binds with SO_REUSEPORT, so a second server on a taken
 * port would share it silently rather than fail. Starts at a random offset so that a port freed a
 * moment ago (a dying server) is not handed out first. Resolves with the port and its release.
 */
export async function allocateInternalPort(
  claim: PortClaim,
): Promise<{ port: number; release: () => void }> {
  const span = INTERNAL_PORT_MAX - INTERNAL_PORT_MIN + 1;
  const start = Math.floor(Math.random() * span);
  for (let i = 0; i < span; i++) {
    const port = INTERNAL_PORT_MIN + ((start + i) % span);
    const release = claim(port);
    if (release === null) continue;
    if (await isPortAvailable(port, '127.0.0.1')) return { port, release };
    release();
  }
  throw new Error(
    `No free loopback port in ${INTERNAL_PORT_MIN}-${INTERNAL_PORT_MAX} for the warm-mode vLLM server.`,
  );
}
