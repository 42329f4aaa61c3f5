// The gateway's in-memory tables as pure functions: routing precedence and its errors, key
// checks, the per-key windows and budgets, usage folding, and reading usage out of responses.
import { describe, expect, it } from 'vitest';
import { hashKey, KeyCache, type CachedKey } from '../../src-main/gateway/key-cache.js';
import { KeyLimits, periodStart } from '../../src-main/gateway/key-limits.js';
import { UsageChunkFilter, usageIn } from '../../src-main/gateway/response-usage.js';
import { RouteTable, type RoutableDeployment } from '../../src-main/gateway/route-table.js';
import { UsageMeter } from '../../src-main/gateway/usage-meter.js';

const dep = (over: Partial<RoutableDeployment> & { id: number }): RoutableDeployment => ({
  node_id: 1,
  model_name: `org/m${over.id}`,
  served_model_name: over.model_name ?? `org/m${over.id}`,
  port: 8000 + over.id,
  status: 'running',
  lora_modules: [],
  created_at: '2026-12-01T00:00:00.000Z',
  ...over,
});
const table = (deps: RoutableDeployment[]) => {
  const t = new RouteTable();
  t.replace(
    deps,
    new Map([
      [1, '10.0.0.1'],
      [2, 'fd00::2'],
    ]),
  );
  return t;
};
const code = (r: ReturnType<RouteTable['resolve']>) => ('status' in r ? r.code : r.target.id);

describe('route table', () => {
  it('routes by served name, then model name, then LoRA name; the first tier with one match wins', () => {
    const t = table([
      dep({ id: 1, model_name: 'org/base', served_model_name: 'a' }),
      dep({
        id: 2,
        model_name: 'org/base',
        served_model_name: 'b',
        lora_modules: [{ name: 'a-lora' }],
      }),
      dep({ id: 3, model_name: 'org/other', served_model_name: 'org/base-lora-name-not' }),
      dep({ id: 4, model_name: 'org/x', served_model_name: 'sql', node_id: 2 }),
      dep({ id: 5, model_name: 'org/y', served_model_name: 'y', lora_modules: [{ name: 'sql' }] }),
    ]);
    expect(code(t.resolve('a', null))).toBe(1);
    expect(code(t.resolve('a-lora', null))).toBe(2);
    // Served name beats a LoRA name of the same spelling.
    expect(code(t.resolve('sql', null))).toBe(4);
    const amb = t.resolve('org/base', null);
    expect(amb).toMatchObject({ status: 400, code: 'model_ambiguous' });
    expect('message' in amb && amb.message).toContain('a, b');
    // The scope narrows a tier before ambiguity is decided.
    expect(code(t.resolve('org/base', new Set([2])))).toBe(2);
    expect(t.resolve('sql', null)).toMatchObject({ target: { origin: 'http://[fd00::2]:8004' } });
  });

  it('answers model_loading, model_not_in_scope and model_not_found in that order', () => {
    const t = table([
      dep({ id: 1, served_model_name: 'up' }),
      dep({ id: 2, served_model_name: 'coming', status: 'loading' }),
      dep({ id: 3, served_model_name: 'gone', status: 'stopped' }),
      dep({ id: 4, served_model_name: 'sleepy', status: 'paused_ram' }),
    ]);
    expect(t.resolve('coming', null)).toMatchObject({
      status: 503,
      code: 'model_loading',
      retryAfter: 5,
    });
    expect(t.resolve('up', new Set([4]))).toMatchObject({
      status: 403,
      code: 'model_not_in_scope',
    });
    const nf = t.resolve('gone', null);
    expect(nf).toMatchObject({ status: 404, code: 'model_not_found' });
    expect('message' in nf && nf.message).toContain('Available: org/m1, org/m4, sleepy, up.');
    expect(t.resolve('sleepy', null)).toMatchObject({ target: { id: 4, asleep: true } });
    expect(table([]).resolve('x', null)).toMatchObject({
      message: expect.stringContaining('Available: none') as unknown,
    });
  });

  it('lists routable deployments and their adapters for a scope, and marks a missing node', () => {
    const t = table([
      dep({ id: 1, served_model_name: 'm', lora_modules: [{ name: 'l' }] }),
      dep({ id: 2, served_model_name: 'n', node_id: 9 }),
      dep({ id: 3, served_model_name: 'o', status: 'error' }),
    ]);
    expect(t.models(null).data.map((m) => [m.id, m.parent])).toEqual([
      ['m', null],
      ['l', 'm'],
      ['n', null],
    ]);
    expect(t.models(new Set([2])).data.map((m) => m.id)).toEqual(['n']);
    expect(t.resolve('n', null)).toMatchObject({ target: { origin: null } });
  });
});

const key = (over: Partial<CachedKey> = {}): CachedKey => ({
  id: 1,
  hash: hashKey('k1'),
  expiresAt: null,
  scope: null,
  rpm: null,
  tpm: null,
  budget: null,
  ...over,
});

describe('key cache', () => {
  it('is open without a permanent key and closed with one; expired keys are refused', () => {
    const c = new KeyCache();
    c.replace([key({ id: 2, hash: hashKey('temp'), expiresAt: 1000, scope: new Set([1]) })]);
    expect(c.open).toBe(true);
    expect(c.authenticate(undefined, 0)).toEqual({ key: null });
    expect(c.authenticate('Bearer temp', 0)).toMatchObject({ key: { id: 2 } });
    c.replace([key(), key({ id: 2, hash: hashKey('temp'), expiresAt: 1000 })]);
    expect(c.open).toBe(false);
    expect(c.authenticate(undefined, 0)).toMatchObject({ status: 401, code: 'missing_api_key' });
    expect(c.authenticate('Basic k1', 0)).toMatchObject({ status: 401, code: 'missing_api_key' });
    expect(c.authenticate('Bearer nope', 0)).toMatchObject({
      status: 401,
      code: 'invalid_api_key',
    });
    expect(c.authenticate('Bearer temp', 1000)).toMatchObject({ code: 'invalid_api_key' });
    expect(c.authenticate('Bearer k1', 5)).toMatchObject({ key: { id: 1 } });
    expect([...c.drainUsed()]).toEqual([
      [2, 0],
      [1, 5],
    ]);
    expect(c.drainUsed().size).toBe(0);
  });
});

describe('key limits', () => {
  it('allows rpm requests in a sliding minute and says when to retry', () => {
    const l = new KeyLimits();
    const k = key({ rpm: 2 });
    const t0 = Date.UTC(2026, 11, 2, 12, 0, 30);
    expect(l.admit(k, t0)).toBeNull();
    expect(l.admit(k, t0 + 1)).toBeNull();
    expect(l.admit(k, t0 + 2)).toMatchObject({
      status: 429,
      code: 'rate_limit_exceeded',
      retryAfter: 30,
    });
    // At 12:01:31 the 12:00 minute weighs about half: 2 × 0.48 + 1 ≤ 2.
    expect(l.admit(k, t0 + 61_000)).toBeNull();
  });

  it('counts tokens per minute and spends a daily budget that resets at midnight UTC', () => {
    const l = new KeyLimits();
    const k = key({ tpm: 100, budget: { tokens: 150, period: 'day' } });
    const t0 = Date.UTC(2026, 11, 2, 23, 58, 0);
    expect(l.admit(k, t0)).toBeNull();
    l.record(k, 120, t0);
    expect(l.admit(k, t0 + 1)).toMatchObject({ code: 'rate_limit_exceeded' });
    // At 23:59:59.999 the 23:58 minute has slid out of the window.
    expect(l.admit(k, t0 + 120_000 - 1)).toBeNull();
    l.record(k, 40, t0 + 10);
    expect(l.spent(k, t0 + 20)).toBe(160);
    const over = l.admit(k, t0 + 30);
    expect(over).toMatchObject({ code: 'budget_exceeded' });
    expect(over?.message).toContain('2026-12-03T00:00:00.000Z');
    expect(l.spent(k, Date.UTC(2026, 11, 3, 0, 0, 1))).toBe(0);
    expect(periodStart('month', Date.UTC(2026, 11, 31, 23))).toBe(Date.UTC(2026, 11, 1));
  });

  it('starts from the stored spend after a restart', () => {
    const l = new KeyLimits();
    const k = key({ budget: { tokens: 10, period: 'month' } });
    l.seed(k, 10, Date.UTC(2026, 11, 2));
    expect(l.admit(k, Date.UTC(2026, 11, 2))).toMatchObject({ code: 'budget_exceeded' });
  });
});

describe('usage meter', () => {
  it('folds requests per key × deployment × hour and keeps a failed flush', () => {
    const m = new UsageMeter();
    const h = Date.UTC(2026, 11, 2, 12, 10);
    m.add(1, 7, 'm', { prompt_tokens: 3, completion_tokens: 4 }, h);
    m.add(1, 7, 'm', { prompt_tokens: 1, completion_tokens: 1 }, h + 60_000);
    m.add(null, 7, 'm', { prompt_tokens: 1, completion_tokens: 1 }, h + 3_600_000);
    const out = m.drain();
    expect(out).toEqual([
      {
        api_key_id: 1,
        deployment_id: 7,
        hour: '2026-12-02T12:00:00.000Z',
        model: 'm',
        requests: 2,
        prompt_tokens: 4,
        completion_tokens: 5,
      },
      {
        api_key_id: 0,
        deployment_id: 7,
        hour: '2026-12-02T13:00:00.000Z',
        model: 'm',
        requests: 1,
        prompt_tokens: 1,
        completion_tokens: 1,
      },
    ]);
    m.restore(out);
    m.add(1, 7, 'm', { prompt_tokens: 1, completion_tokens: 0 }, h);
    expect(m.drain()[0]).toMatchObject({ requests: 3, prompt_tokens: 5 });
  });
});

describe('usage in responses', () => {
  it('reads the last usage object of a body', () => {
    expect(
      usageIn('{"id":"x","usage":{"prompt_tokens":12,"total_tokens":20,"completion_tokens":8}}'),
    ).toEqual({ prompt_tokens: 12, completion_tokens: 8 });
    expect(usageIn('{"data":[],"usage":{"prompt_tokens":5,"total_tokens":5}}')).toEqual({
      prompt_tokens: 5,
      completion_tokens: 0,
    });
    expect(usageIn('{"usage":null}')).toBeNull();
  });

  it('drops only the usage chunk of a stream, even split across writes, and keeps UTF-8 intact', () => {
    const events = [
      'data: {"choices":[{"delta":{"content":"héllo ✓"}}]}\n\n',
      'data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}\n\n',
      'data: [DONE]\n\n',
    ];
    const bytes = Buffer.from(events.join(''));
    const f = new UsageChunkFilter();
    const out: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 7) out.push(f.filter(bytes.subarray(i, i + 7)));
    out.push(f.flush());
    expect(Buffer.concat(out).toString('utf8')).toBe(events[0]! + events[2]!);
    expect(f.usage).toEqual({ prompt_tokens: 3, completion_tokens: 2 });
  });

  it('cuts the usage event out of a chunk of many events, keeping every other byte', () => {
    const before = 'data: {"choices":[{"delta":{"content":"a"}}]}\n\n';
    const empty = 'data: {"choices":[],"note":"no usage here"}\n\n';
    const usage = 'data: {"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":5}}\n\n';
    const done = 'data: [DONE]\n\n';
    const f = new UsageChunkFilter();
    expect(f.filter(Buffer.from(before + empty + usage + done)).toString()).toBe(
      before + empty + done,
    );
    expect(f.usage).toEqual({ prompt_tokens: 7, completion_tokens: 5 });
    const alone = new UsageChunkFilter();
    expect(alone.filter(Buffer.from(usage)).length).toBe(0);
    expect(alone.usage).toEqual({ prompt_tokens: 7, completion_tokens: 5 });
    const first = new UsageChunkFilter();
    expect(first.filter(Buffer.from(usage + done)).toString()).toBe(done);
  });

  it('passes a chunk of whole events without the marker as the same buffer', () => {
    const f = new UsageChunkFilter();
    const chunk = Buffer.from('data: {"choices":[{"delta":{}}]}\n\n');
    expect(f.filter(chunk)).toBe(chunk);
  });
});
