/** A parsed network: address bytes plus prefix length. */
export interface Cidr {
  bytes: Uint8Array;
  prefix: number;
  text: string;
}

function ipv4Bytes(ip: string): Uint8Array | null {
  const parts = ip.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] ?? '';
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    out[i] = Number(p);
  }
  return out;
}

function ipv6Bytes(ip: string): Uint8Array | null {
  let head = ip;
  let v4tail: Uint8Array | null = null;
  const lastColon = ip.lastIndexOf(':');
  if (ip.includes('.')) {
    v4tail = ipv4Bytes(ip.slice(lastColon + 1));
    if (!v4tail) return null;
    head = `${ip.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return null;
  const parse = (s: string) => (s === '' ? [] : s.split(':'));
  const left = parse(halves[0] ?? '');
  const right = halves.length === 2 ? parse(halves[1] ?? '') : [];
  const missing = 8 - left.length - right.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return null;
  const groups = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const g = groups[i] ?? '';
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return null;
    const n = parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  }
  if (v4tail) out.set(v4tail, 12);
  return out;
}

/** Address bytes of an IPv4 or IPv6 literal; IPv4-mapped IPv6 addresses become IPv4. */
export function ipBytes(ip: string): Uint8Array | null {
  const bare = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!bare.includes(':')) return ipv4Bytes(bare);
  const b = ipv6Bytes(bare);
  if (!b) return null;
  const mapped = b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  return mapped ? b.slice(12) : b;
}

/** Parses `a.b.c.d/n`, `x::y/n` or a bare address (a host network). Throws with a clear message. */
export function parseCidr(text: string): Cidr {
  const [addr = '', prefixText] = text.trim().split('/');
  const bytes = ipBytes(addr);
  if (!bytes) throw new Error(`'${text}' is not an IP network (expected e.g. 192.168.1.0/24)`);
  const max = bytes.length * 8;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (
    !Number.isInteger(prefix) ||
    prefix < 0 ||
    prefix > max ||
    !/^\d+$/.test(prefixText ?? String(max))
  )
    throw new Error(`'${text}' has an invalid prefix length (0–${max})`);
  return { bytes, prefix, text: text.trim() };
}

/** True when `ip` lies inside `net` (address families must match). */
export function cidrContains(net: Cidr, ip: string): boolean {
  const b = ipBytes(ip);
  if (!b || b.length !== net.bytes.length) return false;
  let bits = net.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((b[i] ?? 0) & mask) !== ((net.bytes[i] ?? 0) & mask)) return false;
  }
  return true;
}
