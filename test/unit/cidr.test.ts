import { describe, expect, it } from 'vitest';
import { cidrContains, ipBytes, parseCidr } from '../../src-main/shared/cidr.js';

describe('CIDR matching', () => {
  it('matches IPv4 networks by prefix', () => {
    const net = parseCidr('192.168.1.0/24');
    expect(cidrContains(net, '192.168.1.77')).toBe(true);
    expect(cidrContains(net, '192.168.2.1')).toBe(false);
    expect(cidrContains(parseCidr('127.0.0.0/8'), '127.9.8.7')).toBe(true);
    expect(cidrContains(parseCidr('10.0.0.0/9'), '10.127.255.255')).toBe(true);
    expect(cidrContains(parseCidr('10.0.0.0/9'), '10.128.0.0')).toBe(false);
    expect(cidrContains(parseCidr('0.0.0.0/0'), '8.8.8.8')).toBe(true);
  });

  it('treats a bare address as a host network', () => {
    const net = parseCidr('127.0.0.2');
    expect(cidrContains(net, '127.0.0.2')).toBe(true);
    expect(cidrContains(net, '127.0.0.1')).toBe(false);
  });

  it('matches IPv6, including :: shorthand and IPv4-mapped addresses', () => {
    expect(cidrContains(parseCidr('::1'), '::1')).toBe(true);
    expect(cidrContains(parseCidr('fd00::/8'), 'fd12:3456::1')).toBe(true);
    expect(cidrContains(parseCidr('fd00::/8'), 'fe80::1')).toBe(false);
    expect(cidrContains(parseCidr('127.0.0.0/8'), '::ffff:127.0.0.1')).toBe(true);
    expect(cidrContains(parseCidr('::1'), '127.0.0.1')).toBe(false);
    expect(ipBytes('2001:db8::192.0.2.1')?.length).toBe(16);
  });

  it('rejects malformed networks with a message that shows the expected form', () => {
    expect(() => parseCidr('300.1.1.1/8')).toThrow(/not an IP network/);
    expect(() => parseCidr('10.0.0.0/33')).toThrow(/prefix length \(0–32\)/);
    expect(() => parseCidr('fd00::/129')).toThrow(/0–128/);
    expect(() => parseCidr('10.0.0.0/x')).toThrow(/prefix/);
    expect(() => parseCidr('1:2:3')).toThrow(/not an IP network/);
    expect(ipBytes('garbage')).toBeNull();
  });
});
