import { describe, expect, it } from 'vitest';
import { loadServeConfig } from '../../src-main/config/serve-config.js';

describe('serve configuration', () => {
  it('uses defaults when nothing is given', () => {
    const r = loadServeConfig([], {});
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config).toMatchObject({ host: '0.0.0.0', port: 8000, apiAuth: 'token', demo: false });
    expect(r.config.trustedNetworks.map((n) => n.text)).toEqual(['127.0.0.0/8', '::1']);
    expect(r.config.dataDir).toMatch(/\.local\/share\/aerie$/);
    expect(Object.isFrozen(r.config)).toBe(true);
  });

  it('takes flags over AERIE_* environment over defaults', () => {
    const env = { AERIE_PORT: '9100', AERIE_HOST: '127.0.0.1', AERIE_API_AUTH: 'open' };
    const r = loadServeConfig(['--port', '9200', '--data-dir=/tmp/x'], env);
    expect(r.ok && r.config).toMatchObject({
      port: 9200,
      host: '127.0.0.1',
      apiAuth: 'open',
      dataDir: '/tmp/x',
    });
  });

  it('lists every problem at once', () => {
    const r = loadServeConfig(
      [
        '--port',
        '70000',
        '--api-auth',
        'maybe',
        '--nope',
        '--trusted-networks',
        '10.0.0.0/8,bad',
        '--admin-token',
        'short',
        '--consul-url',
        'ftp://x',
      ],
      { AERIE_DEMO: 'perhaps' },
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const text = r.problems.join('\n');
    expect(text).toMatch(/AERIE_DEMO: expected true or false/);
    expect(text).toMatch(/unknown flag --nope/);
    expect(text).toMatch(/--port \(AERIE_PORT\): must be 0–65535/);
    expect(text).toMatch(/--api-auth \(AERIE_API_AUTH\): must be 'token' or 'open'/);
    expect(text).toMatch(/--admin-token \(AERIE_ADMIN_TOKEN\): must be at least 16 characters/);
    expect(text).toMatch(/--consul-url \(AERIE_CONSUL_URL\): must be an http\(s\) URL/);
    expect(r.problems.length).toBeGreaterThanOrEqual(6);
  });

  it('reports a flag given without its value', () => {
    const r = loadServeConfig(['--port'], {});
    expect(!r.ok && r.problems).toContain('--port needs a value');
  });

  it('rejects an invalid trusted network naming it', () => {
    const r = loadServeConfig(['--trusted-networks', '10.0.0.0/8, 999.1.1.1'], {});
    expect(!r.ok && r.problems.join()).toMatch(/'999\.1\.1\.1' is not an IP network/);
  });

  it('reads AERIE_WEBHOOK_RETRY_BASE_MS as a whole number of ms, rejecting anything else', () => {
    const r = loadServeConfig([], { AERIE_WEBHOOK_RETRY_BASE_MS: '250' });
    expect(r.ok && r.config.webhookRetryBaseMs).toBe(250);
    const none = loadServeConfig([], {});
    expect(none.ok && none.config.webhookRetryBaseMs).toBeUndefined();
    for (const bad of ['0', '1.5', 'soon', '3600001', ''])
      expect(loadServeConfig([], { AERIE_WEBHOOK_RETRY_BASE_MS: bad })).toEqual({
        ok: false,
        problems: ['AERIE_WEBHOOK_RETRY_BASE_MS: must be a whole number of ms from 1 to 3600000'],
      });
  });
});
