/** A host as it goes into a URL: IPv6 literals in brackets (`::1` → `[::1]`). */
export function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** An origin this machine reaches a server listening on `host` at: a wildcard bind is loopback. */
export function localOrigin(host: string, port: number): string {
  const reach = host === '0.0.0.0' ? '127.0.0.1' : host === '::' || host === '[::]' ? '::1' : host;
  return `http://${urlHost(reach)}:${port}`;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;
const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

function isIpv6(text: string): boolean {
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const groups = halves.map((h) => (h === '' ? [] : h.split(':')));
  const all = groups.flat();
  // An embedded IPv4 address may end the address (`::ffff:10.0.0.1`); it counts as two groups.
  const last = all.at(-1);
  const v4 = last !== undefined && IPV4.test(last);
  const hex = v4 ? all.slice(0, -1) : all;
  if (!hex.every((g) => HEX_GROUP.test(g))) return false;
  const count = hex.length + (v4 ? 2 : 0);
  return halves.length === 2 ? count <= 7 : count === 8;
}

/**
 * Whether `text` is something a URL can name as a host: an IPv4 address, an IPv6 address (with
 * or without brackets) or an RFC 1123 host name. Checked before any request is made with it.
 */
export function isHostAddress(text: string): boolean {
  if (text.startsWith('[') || text.endsWith(']')) {
    return text.startsWith('[') && text.endsWith(']') && isIpv6(text.slice(1, -1));
  }
  if (text.includes(':')) return isIpv6(text);
  if (IPV4.test(text)) return true;
  if (/^[\d.]+$/.test(text)) return false; // looks numeric but is not a valid address
  const name = text.endsWith('.') ? text.slice(0, -1) : text;
  return name.length > 0 && name.length <= 253 && name.split('.').every((l) => LABEL.test(l));
}
