import { describe, expect, it } from 'vitest';
import {
  createLogger,
  redact,
  registerSecret,
  setLogLevel,
  setLogSink,
} from '../../src-main/logging/logger.js';

describe('log redaction', () => {
  it('masks secret-named fields, bearer tokens, API keys and registered secrets', () => {
    registerSecret('s3cr3t-cluster-token-value');
    const out = redact({
      hf_token: 'hf_abcdef',
      password: 'pw',
      nested: { Authorization: 'Bearer abc.def', note: 'sent Bearer xyz123 to agent' },
      msg: 'token s3cr3t-cluster-token-value leaked; key aer-0123456789abcdef0123456789abcdef',
      count: 3,
    });
    expect(out).toEqual({
      hf_token: '[redacted]',
      password: '[redacted]',
      nested: { Authorization: '[redacted]', note: 'sent Bearer [redacted] to agent' },
      msg: 'token [redacted] leaked; key [redacted-key]',
      count: 3,
    });
  });

  it('passes every line through the redactor before the sink', () => {
    const lines: Record<string, unknown>[] = [];
    setLogSink((l) => lines.push(l));
    setLogLevel('debug');
    registerSecret('another-secret-123');
    createLogger('http').warn('calling with another-secret-123', {
      env: { API_KEY: 'k' },
      err: new Error('Bearer abc failed'),
    });
    expect(JSON.stringify(lines)).not.toMatch(/another-secret-123|"k"|Bearer abc/);
    expect(lines[0]).toMatchObject({
      level: 'warn',
      category: 'http',
      msg: 'calling with [redacted]',
    });
  });
});
