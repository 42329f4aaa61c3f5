import { networkInterfaces } from 'node:os';

/**
 * This machine's first non-loopback IPv4 address: tests that play "another machine on the LAN"
 * call the server there (undefined on a machine without a network).
 */
export const lanIpv4: string | undefined = Object.values(networkInterfaces())
  .flatMap((l) => l ?? [])
  .find((a) => a.family === 'IPv4' && !a.internal)?.address;
