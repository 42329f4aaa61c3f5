// Which strings a node address may be: checked before the control plane makes a request with it.
import { describe, expect, it } from 'vitest';
import { isHostAddress, urlHost } from '../../src-main/shared/net.js';

describe('isHostAddress', () => {
  it.each([
    '127.0.0.1',
    '10.0.0.255',
    'gpu-01',
    'gpu-01.lan',
    'gpu-01.lan.',
    'a',
    '::1',
    '[::1]',
    'fe80::1',
    '2001:db8:0:0:0:0:0:1',
    '::ffff:10.0.0.1',
  ])('accepts %s', (host) => {
    expect(isHostAddress(host)).toBe(true);
  });

  it.each([
    '',
    '[:9Vv[',
    '300.1.1.1',
    '1.2.3',
    '-gpu',
    'gpu-',
    'gpu_01',
    'a..b',
    'h; rm -rf /',
    '[::1',
    '::1]',
    '1::2::3',
    '2001:db8:0:0:0:0:0:1:2',
    '12345::1',
    'x'.repeat(64),
    'gpu/01',
  ])('refuses %j', (host) => {
    expect(isHostAddress(host)).toBe(false);
  });

  it('brackets an IPv6 literal for a URL and leaves the others alone', () => {
    expect(urlHost('::1')).toBe('[::1]');
    expect(urlHost('[::1]')).toBe('[::1]');
    expect(urlHost('gpu-01')).toBe('gpu-01');
  });
});
