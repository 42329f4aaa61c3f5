// Pure: the command line a GPU host runs to join this control plane, and the address it uses.
import { urlHost } from '../shared/net.js';

/** One network interface address, as `os.networkInterfaces()` lists it. */
export interface InterfaceAddress {
  address: string;
  family: string;
  internal: boolean;
}

/**
 * The host name an agent on another machine should dial: the bind address when it is a specific
 * one, else the first LAN IPv4 address (then IPv6, then loopback when the machine has no network).
 */
export function advertisedHost(bindHost: string, addresses: readonly InterfaceAddress[]): string {
  if (bindHost !== '0.0.0.0' && bindHost !== '::') return bindHost;
  const external = addresses.filter((a) => !a.internal);
  const v4 = external.find((a) => a.family === 'IPv4');
  const v6 = external.find((a) => a.family === 'IPv6' && !a.address.startsWith('fe80:'));
  return (v4 ?? v6)?.address ?? '127.0.0.1';
}

/** `http://host:port` with IPv6 hosts bracketed. */
export function controlPlaneUrl(host: string, port: number): string {
  return `http://${urlHost(host)}:${port}`;
}

/** Quotes one word for a POSIX shell unless it is made of characters that never need it. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'"'"'`)}'`;
}

export interface AgentCommandInput {
  /** The bundled single-file agent; null runs it through the `aerie` CLI instead. */
  agentPath: string | null;
  controlPlaneUrl: string;
  clusterToken: string;
}

/**
 * The exact command for a GPU host: `node <bundled agent>` (only Node ≥ 20 is needed there) or
 * `npx aerie agent` when no bundle ships with this build, with the control plane and the token.
 */
export function agentCommand(input: AgentCommandInput): string {
  const program = input.agentPath === null ? ['npx', 'aerie', 'agent'] : ['node', input.agentPath];
  return [
    ...program,
    '--control-plane',
    input.controlPlaneUrl,
    '--cluster-token',
    input.clusterToken,
  ]
    .map(shellQuote)
    .join(' ');
}

/** What a caller that does not get the admin token is told about it: where it is and its end. */
export function adminTokenHint(token: string, source: string): string {
  return `ends in …${token.slice(-4)}; from ${source}`;
}
