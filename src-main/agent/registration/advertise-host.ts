import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { hostname } from 'node:os';

/**
 * The local address the OS would use to reach `host` (a UDP "connect" sends nothing; it only picks
 * the route), or null when there is no route or `host` does not resolve.
 */
export function localAddressToward(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const family = isIP(host) === 6 ? 'udp6' : 'udp4';
    const socket = createSocket(family);
    const done = (value: string | null) => {
      socket.close();
      resolve(value);
    };
    socket.once('error', () => done(null));
    socket.connect(port, host, () => {
      try {
        done(socket.address().address);
      } catch {
        done(null);
      }
    });
  });
}

/**
 * Where the control plane (and Consul) should reach this agent, in order of preference:
 * `--advertise-host`; the local address routed toward the first reachable target URL; the
 * address the hostname resolves to; 127.0.0.1.
 */
export async function resolveAdvertiseHost(
  explicit: string | undefined,
  targets: readonly string[],
): Promise<string> {
  if (explicit) return explicit;
  for (const target of targets) {
    const url = new URL(target);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const local = await localAddressToward(host, port);
    if (local && local !== '0.0.0.0' && local !== '::') return local;
  }
  try {
    const { address } = await lookup(hostname(), { family: 4 });
    return address;
  } catch {
    return '127.0.0.1';
  }
}
