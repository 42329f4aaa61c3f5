import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  deploymentError,
  deploymentExpired,
  deploymentExpiring,
  deploymentRunning,
} from '../../src-main/webhooks/webhook-notifications.js';
import {
  DEFAULT_RETRY_BASE_MS,
  isSlackUrl,
  retryDelayMs,
  signBody,
  webhookBody,
} from '../../src-main/webhooks/webhook-payload.js';
import { WEBHOOK_MAX_ATTEMPTS } from '../../src-main/shared/webhooks.js';

const place = { deployment_id: 7, model: 'Qwen/Qwen3-8B', host: 'gpu1', port: 8001 };
const GENERIC = 'https://hooks.example/aerie';
const SLACK = 'https://hooks.slack.com/services/T0/B0/x';
const AT = '2026-12-02T12:00:00.000Z';

describe('webhook notifications', () => {
  it('words the four lifecycle events as the reference does, with its field names', () => {
    expect(deploymentRunning(place)).toEqual({
      event: 'deployment_running',
      message: 'Qwen/Qwen3-8B is ready on gpu1:8001',
      fields: { deployment_id: 7, model: 'Qwen/Qwen3-8B' },
    });
    expect(deploymentError({ ...place, status: 'unreachable', error: 'agent down' })).toEqual({
      event: 'deployment_error',
      message: 'Qwen/Qwen3-8B on gpu1:8001 is unreachable',
      fields: { deployment_id: 7, model: 'Qwen/Qwen3-8B', error: 'agent down' },
    });
    expect(
      deploymentExpiring({
        deployment_id: 7,
        model: 'm',
        expires_at: AT,
        remainingMs: 29.1 * 60_000,
      }),
    ).toEqual({
      event: 'deployment_expiring',
      message: 'm (deployment 7) expires in ~30m — extend it from the dashboard to keep it serving',
      fields: { deployment_id: 7, model: 'm', expires_at: AT, minutes_left: 30 },
    });
    expect(deploymentExpired({ deployment_id: 7, model: 'm' })).toEqual({
      event: 'deployment_expired',
      message: 'm (deployment 7) reached its serve duration and was stopped',
      fields: { deployment_id: 7, model: 'm' },
    });
  });

  it('says ~1m, never ~0m, in the last minute of a lease', () => {
    expect(
      deploymentExpiring({ deployment_id: 1, model: 'm', expires_at: AT, remainingMs: 20_000 })
        .message,
    ).toMatch(/expires in ~1m/);
  });
});

describe('webhook body', () => {
  it('posts {event, message, ...fields} to any URL but Slack', () => {
    const n = deploymentError({ ...place, status: 'error', error: 'CUDA out of memory' });
    expect(JSON.parse(webhookBody(GENERIC, n))).toEqual({
      event: 'deployment_error',
      message: 'Qwen/Qwen3-8B on gpu1:8001 is error',
      deployment_id: 7,
      model: 'Qwen/Qwen3-8B',
      error: 'CUDA out of memory',
    });
    expect(Object.keys(JSON.parse(webhookBody(GENERIC, n)) as object).slice(0, 2)).toEqual([
      'event',
      'message',
    ]);
  });

  it('posts {"text"} with the reason to a Slack URL, and no reason when there is no error', () => {
    expect(isSlackUrl(SLACK)).toBe(true);
    expect(isSlackUrl(GENERIC)).toBe(false);
    const failed = deploymentError({ ...place, status: 'error', error: 'CUDA out of memory' });
    expect(JSON.parse(webhookBody(SLACK, failed))).toEqual({
      text: '[aerie] Qwen/Qwen3-8B on gpu1:8001 is error — reason: CUDA out of memory',
    });
    for (const error of [null, '']) {
      const quiet = deploymentError({ ...place, status: 'error', error });
      expect(JSON.parse(webhookBody(SLACK, quiet))).toEqual({
        text: '[aerie] Qwen/Qwen3-8B on gpu1:8001 is error',
      });
    }
    expect(JSON.parse(webhookBody(SLACK, deploymentRunning(place)))).toEqual({
      text: '[aerie] Qwen/Qwen3-8B is ready on gpu1:8001',
    });
  });
});

describe('webhook signature', () => {
  it('is sha256=<hex HMAC-SHA256 of the exact body>', () => {
    const body = webhookBody(GENERIC, deploymentRunning(place));
    const expected = createHmac('sha256', 'hook-secret-1').update(body).digest('hex');
    expect(signBody(body, 'hook-secret-1')).toBe(`sha256=${expected}`);
    expect(signBody(body, 'hook-secret-1')).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(signBody(body, 'hook-secret-2')).not.toBe(signBody(body, 'hook-secret-1'));
    expect(signBody(`${body} `, 'hook-secret-1')).not.toBe(signBody(body, 'hook-secret-1'));
  });

  it('signs the UTF-8 bytes of a body with non-ASCII text (the em dash of Slack bodies)', () => {
    const body = webhookBody(SLACK, deploymentError({ ...place, status: 'error', error: 'é' }));
    const expected = createHmac('sha256', 'k'.repeat(8))
      .update(Buffer.from(body, 'utf8'))
      .digest('hex');
    expect(signBody(body, 'k'.repeat(8))).toBe(`sha256=${expected}`);
  });
});

describe('retry schedule', () => {
  it('waits base × 4^(n−1) after the n-th failure and gives up after 5 attempts', () => {
    expect(WEBHOOK_MAX_ATTEMPTS).toBe(5);
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(n, DEFAULT_RETRY_BASE_MS))).toEqual([
      15_000,
      60_000,
      240_000,
      960_000,
      null,
    ]);
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n, 10))).toEqual([
      10,
      40,
      160,
      640,
      null,
      null,
    ]);
  });
});
