// The /v1 gateway through the official `openai` client, against real simulator deployments on two
// real agents: routing (served names, model names, LoRA adapters), streams, embeddings, every
// error as the SDK's exception class, abort propagation, wake on request, keys, scopes, limits,
// usage totals against the simulator's own counters, and the kill switch.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiKeyCreated, ApiKeyRead, UsageRow } from '../../src-main/shared/api-keys.js';
import type { DeploymentRead } from '../../src-main/shared/deployments.js';
import type { NodeRead } from '../../src-main/shared/nodes.js';
import { freePort } from '../helpers/engine-harness.js';
import { startFleet, type Fleet } from '../helpers/fleet.js';
import { waitFor, waitForValue } from '../helpers/wait.js';

let fleet: Fleet;
let a: NodeRead;
let b: NodeRead;
const d: Record<string, DeploymentRead> = {};
const fast = [{ key: 'AERIE_SIM_LOAD_S', value: '0.3' }];

const dep = async (id: number) =>
  (await fleet.call('GET', `/api/deployments/${id}`)).body as DeploymentRead;
const until = (id: number, ok: (x: DeploymentRead) => boolean, what: string, ms = 30_000) =>
  waitForValue(async () => ((x) => (ok(x) ? x : null))(await dep(id)), ms, `${id} ${what}`);
async function deploy(name: string, node: NodeRead, body: Record<string, unknown>) {
  const r = await fleet.call('POST', '/api/deployments/start', {
    node_id: node.id,
    port: await freePort(),
    gpu_memory_fraction: 0.2,
    owner: 'ana',
    env_vars: fast,
    ...body,
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  d[name] = r.body as DeploymentRead;
}
const client = (apiKey = 'unused') =>
  new OpenAI({ baseURL: `${fleet.cp.url}/v1`, apiKey, maxRetries: 0, timeout: 30_000 });
/** A counter of the simulator behind deployment `name`, summed over its label sets. */
async function simCounter(name: string, metric: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${d[name]!.port}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${metric}{`) || l.startsWith(`${metric} `))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}
async function createKey(body: Record<string, unknown>) {
  const r = await fleet.call('POST', '/api/api-keys', body);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body as ApiKeyCreated;
}
const chat = (c: OpenAI, model: string, max = 4) =>
  c.chat.completions.create({
    model,
    messages: [{ role: 'user', content: 'hi' }],
    max_tokens: max,
  });

beforeAll(async () => {
  fleet = await startFleet({ agents: ['gw-a', 'gw-b'] });
  a = await fleet.node('gw-a');
  b = await fleet.node('gw-b');
  await fleet.call('POST', `/api/nodes/${b.id}/warm-cache`, { enabled: false });
  await deploy('chat', a, {
    model_name: 'org/chat-model',
    engine_args: { served_model_name: 'chat' },
    lora_modules: [{ name: 'sql-lora', path: 'org/sql-lora' }],
    gpu_ids: [0],
  });
  await deploy('replica', b, {
    model_name: 'org/chat-model',
    engine_args: { served_model_name: 'chat-b' },
    gpu_ids: [0],
  });
  await deploy('embed', b, { model_name: 'org/e5-embed', gpu_ids: [1] });
  await deploy('slow', b, {
    model_name: 'org/slow-model',
    gpu_ids: [1],
    env_vars: [...fast, { key: 'AERIE_SIM_TOKENS_PER_S', value: '4' }],
  });
  for (const x of Object.values(d)) await until(x.id, (r) => r.status === 'running', 'running');
});
afterAll(() => fleet?.stop());

describe('routing and relaying', () => {
  it('lists routable models with LoRA adapters under their parent', async () => {
    const models = (await client().models.list()).data as unknown as {
      id: string;
      parent: string | null;
      root: string;
    }[];
    expect(models.map((m) => m.id).sort()).toEqual(
      ['chat', 'chat-b', 'org/e5-embed', 'org/slow-model', 'sql-lora'].sort(),
    );
    expect(models.find((m) => m.id === 'sql-lora')).toMatchObject({ parent: 'chat' });
    expect(models.find((m) => m.id === 'chat')).toMatchObject({ root: 'org/chat-model' });
  });

  it('answers chat, streams, completions, LoRA names, embeddings and the tokenizer from the right deployment', async () => {
    const c = client();
    const r = await chat(c, 'chat');
    expect(r.model).toBe('chat');
    expect(r.usage?.completion_tokens).toBeGreaterThan(0);
    expect((await chat(c, 'sql-lora')).model).toBe('sql-lora');
    expect((await chat(c, 'chat-b')).model).toBe('chat-b');

    const stream = await c.chat.completions.create({
      model: 'chat',
      messages: [{ role: 'user', content: 'stream please' }],
      max_tokens: 6,
      stream: true,
    });
    let text = '';
    let usageChunks = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usageChunks += 1;
    }
    expect(text.length).toBeGreaterThan(0);
    // The gateway asked for the usage chunk to count tokens and kept it from this client.
    expect(usageChunks).toBe(0);

    const asked = await c.chat.completions.create({
      model: 'chat',
      messages: [{ role: 'user', content: 'with usage' }],
      max_tokens: 3,
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of asked) usage ??= chunk.usage;
    expect(usage?.completion_tokens).toBe(3);

    const completion = await c.completions.create({ model: 'chat', prompt: 'Once', max_tokens: 3 });
    expect(completion.choices[0]?.text.length).toBeGreaterThan(0);

    const e = await c.embeddings.create({ model: 'org/e5-embed', input: ['one', 'two'] });
    expect(e.data).toHaveLength(2);
    expect(e.data[0]!.embedding.length).toBeGreaterThan(10);

    // vLLM's tokenizer routes live at /tokenize and /detokenize; the gateway serves them in /v1.
    const tokens = await c.post<{ count: number; tokens: number[] }>('/tokenize', {
      body: { model: 'chat', prompt: 'Hello, world!' },
    });
    expect(tokens.count).toBe(tokens.tokens.length);
    expect(tokens.count).toBeGreaterThan(0);
    const back = await c.post<{ prompt: string }>('/detokenize', {
      body: { model: 'chat', tokens: tokens.tokens },
    });
    expect(back.prompt).toBe('Hello, world!');
  });

  it('maps every routing error to the SDK exception class with its code', async () => {
    const c = client();
    const err = (p: Promise<unknown>) => p.then(() => null).catch((x: unknown) => x);
    const missing = await err(chat(c, 'no-such-model'));
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect(missing).toMatchObject({ code: 'model_not_found' });
    expect((missing as Error).message).toContain('chat-b');

    const ambiguous = await err(chat(c, 'org/chat-model'));
    expect(ambiguous).toBeInstanceOf(OpenAI.BadRequestError);
    expect(ambiguous).toMatchObject({ code: 'model_ambiguous' });
    expect((ambiguous as Error).message).toContain('chat, chat-b');

    const bad = await fetch(`${fleet.cp.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model": ',
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'invalid_json', param: null } });
    const noModel = await fetch(`${fleet.cp.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ messages: [] }),
    });
    expect(await noModel.json()).toMatchObject({ error: { code: 'missing_model' } });

    // A model that is still loading answers 503 model_loading with Retry-After.
    await deploy('late', a, {
      model_name: 'org/late-model',
      gpu_ids: [1],
      env_vars: [{ key: 'AERIE_SIM_LOAD_S', value: '30' }],
    });
    await until(d.late!.id, (x) => x.status === 'loading' || x.status === 'starting', 'loading');
    const loading = await fetch(`${fleet.cp.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'org/late-model', messages: [] }),
    });
    expect(loading.status).toBe(503);
    expect(loading.headers.get('retry-after')).toBe('5');
    expect(await loading.json()).toMatchObject({ error: { code: 'model_loading' } });
    const loadingSdk = await err(chat(c, 'org/late-model'));
    expect(loadingSdk).toBeInstanceOf(OpenAI.InternalServerError);
    await fleet.call('POST', `/api/deployments/stop/${d.late!.id}`);
  });

  it("aborts the upstream request when the client aborts (the simulator's running gauge drops)", async () => {
    const ac = new AbortController();
    const stream = await client().chat.completions.create(
      {
        model: 'org/slow-model',
        messages: [{ role: 'user', content: 'a long answer' }],
        max_tokens: 400,
        stream: true,
      },
      { signal: ac.signal },
    );
    const it = stream[Symbol.asyncIterator]();
    await it.next();
    expect(await simCounter('slow', 'vllm:num_requests_running')).toBe(1);
    ac.abort();
    await waitFor(
      async () => (await simCounter('slow', 'vllm:num_requests_running')) === 0,
      10_000,
      'the aborted request to leave the engine',
    );
  });
});

describe('wake on request', () => {
  it('holds a request for a paused model while it wakes, stream or not', async () => {
    const id = d.chat!.id;
    expect((await fleet.call('POST', `/api/deployments/${id}/pause`)).status).toBe(200);
    await until(id, (x) => x.status === 'paused_ram', 'paused');
    const r = await chat(client(), 'chat');
    expect(r.choices[0]?.message.content?.length).toBeGreaterThan(0);
    await until(id, (x) => x.status === 'running', 'awake again');

    await fleet.call('POST', `/api/deployments/${id}/pause`);
    await until(id, (x) => x.status === 'paused_ram', 'paused again');
    const stream = await client().chat.completions.create({
      model: 'sql-lora',
      messages: [{ role: 'user', content: 'wake and stream' }],
      max_tokens: 4,
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text.length).toBeGreaterThan(0);
  });

  it('answers 503 model_loading with Retry-After when the wake outlasts gateway_wake_hold_seconds', async () => {
    await deploy('sleepy', a, {
      model_name: 'org/sleepy-model',
      gpu_ids: [1],
      env_vars: [...fast, { key: 'AERIE_SIM_SLEEP_WAKE_MS', value: '4000' }],
    });
    const id = d.sleepy!.id;
    await until(id, (x) => x.status === 'running', 'running');
    await fleet.call('POST', `/api/deployments/${id}/pause`);
    await until(id, (x) => x.status === 'paused_ram', 'paused');
    await fleet.call('PUT', '/api/settings', { gateway_wake_hold_seconds: 1 });
    try {
      const held = await fetch(`${fleet.cp.url}/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ model: 'org/sleepy-model', messages: [], max_tokens: 2 }),
      });
      expect(held.status).toBe(503);
      expect(Number(held.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await held.json()).toMatchObject({ error: { code: 'model_loading' } });
    } finally {
      await fleet.call('PUT', '/api/settings', { gateway_wake_hold_seconds: 60 });
    }
    // The wake went on: the next request is answered.
    expect((await chat(client(), 'org/sleepy-model')).choices).toHaveLength(1);
    await fleet.call('POST', `/api/deployments/stop/${id}`);
  });
});

describe('usage', () => {
  it("counts tokens per deployment that match the simulator's own counters", async () => {
    const c = client();
    for (let i = 0; i < 3; i++) await chat(c, 'chat-b', 5);
    const s = await c.chat.completions.create({
      model: 'chat-b',
      messages: [{ role: 'user', content: 'count me' }],
      max_tokens: 7,
      stream: true,
    });
    for await (const chunk of s) void chunk;
    const rows = (await fleet.call('GET', '/api/usage?group_by=deployment')).body as UsageRow[];
    const mine = rows.find((r) => r.deployment_id === d.replica!.id)!;
    expect(mine.prompt_tokens).toBe(await simCounter('replica', 'vllm:prompt_tokens_total'));
    expect(mine.completion_tokens).toBe(
      await simCounter('replica', 'vllm:generation_tokens_total'),
    );
    expect(mine.requests).toBe(5); // the earlier chat-b request and these four
    const byModel = (await fleet.call('GET', '/api/usage?group_by=model')).body as UsageRow[];
    expect(byModel.find((r) => r.key === 'chat-b')?.total_tokens).toBe(mine.total_tokens);
    const bad = await fleet.call('GET', '/api/usage?group_by=planet');
    expect(bad.status).toBe(422);
  });

  it('exports Prometheus metrics of requests, latency, tokens and loops', async () => {
    const text = await (await fetch(`${fleet.cp.url}/metrics`)).text();
    expect(text).toMatch(
      /aerie_gateway_requests_total\{route="\/v1\/chat\/completions",model="chat-b",status="200"\} \d+/,
    );
    expect(text).toContain('aerie_gateway_request_duration_seconds_bucket{');
    // Every relayed answer counts its first byte, JSON (counted once relayed) and streams alike.
    const count = (name: string) =>
      Number(
        new RegExp(`${name}_count\\{route="/v1/chat/completions",model="chat-b"\\} (\\d+)`).exec(
          text,
        )?.[1],
      );
    expect(count('aerie_gateway_time_to_first_byte_seconds')).toBeGreaterThan(0);
    expect(count('aerie_gateway_time_to_first_byte_seconds')).toBe(
      count('aerie_gateway_request_duration_seconds'),
    );
    expect(text).toMatch(/aerie_gateway_tokens_total\{model="chat-b",kind="completion"\} \d+/);
    expect(text).toMatch(/aerie_gateway_wake_holds_total\{model="chat",outcome="woke"\} [1-9]/);
    expect(text).toContain('aerie_loop_last_tick_seconds{loop="deployment-sync"}');
    expect(text).toContain('aerie_gateway_in_flight 0');
  });
});

describe('API keys, scopes and limits', () => {
  it('closes the gateway with the first permanent key and checks keys, scopes and temporary keys', async () => {
    const temp = await createKey({ label: 'tmp', ttl_seconds: 2, deployment_ids: [d.embed!.id] });
    // A temporary key alone leaves the gateway open.
    expect((await chat(client(), 'chat-b')).choices).toHaveLength(1);
    const admin = await createKey({ label: 'admin' });
    expect(admin.key).toMatch(/^aerie-[0-9a-f]{32}$/);
    expect(admin.prefix).toBe(admin.key.slice(0, 8));

    const anon = await chat(client('not-a-key'), 'chat-b').catch((x: unknown) => x);
    expect(anon).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((anon as Error).message).toContain('Invalid API key.');
    const none = await fetch(`${fleet.cp.url}/v1/models`);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({
      error: {
        code: 'missing_api_key',
        message: 'API key required. Set Authorization: Bearer <key>.',
      },
    });
    expect((await chat(client(admin.key), 'chat-b')).choices).toHaveLength(1);

    const scoped = await createKey({ label: 'scoped', deployment_ids: [d.replica!.id] });
    const sc = client(scoped.key);
    expect((await sc.models.list()).data.map((m) => m.id)).toEqual(['chat-b']);
    expect((await chat(sc, 'chat-b')).choices).toHaveLength(1);
    const outside = await chat(sc, 'chat').catch((x: unknown) => x);
    expect(outside).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(outside).toMatchObject({ code: 'model_not_in_scope' });

    const e = await client(temp.key).embeddings.create({ model: 'org/e5-embed', input: 'x' });
    expect(e.data).toHaveLength(1);
    expect((await fleet.call('PATCH', `/api/api-keys/${temp.id}`, { label: 'x' })).status).toBe(
      409,
    );
    await waitFor(
      async () =>
        await client(temp.key)
          .embeddings.create({ model: 'org/e5-embed', input: 'x' })
          .then(() => false)
          .catch((x: unknown) => x instanceof OpenAI.AuthenticationError),
      10_000,
      'the temporary key to expire',
    );

    const listed = (await fleet.call('GET', '/api/api-keys')).body as ApiKeyRead[];
    expect(listed.map((k) => k.label)).toEqual(['scoped', 'admin']);
    expect(JSON.stringify(listed)).not.toContain(admin.key);
    expect(listed.find((k) => k.label === 'admin')?.last_used_at).not.toBeNull();

    // Editing the scope applies at once.
    await fleet.call('PATCH', `/api/api-keys/${scoped.id}`, { deployment_ids: null });
    expect((await chat(sc, 'chat')).choices).toHaveLength(1);
    for (const k of [admin, scoped]) await fleet.call('DELETE', `/api/api-keys/${k.id}`);
    expect((await chat(client(), 'chat-b')).choices).toHaveLength(1);
  });

  it('refuses bad key requests with a detail', async () => {
    const noScope = await fleet.call('POST', '/api/api-keys', { label: 't', ttl_seconds: 60 });
    expect(noScope.status).toBe(422);
    expect(JSON.stringify(noScope.body)).toContain('Temporary keys must specify deployment_ids.');
    for (const body of [
      { label: '' },
      { label: 'x'.repeat(129) },
      { label: 'x', ttl_seconds: 86401, deployment_ids: [1] },
      { label: 'x', token_budget: 100 },
      { label: 'x', rate_limit_rpm: 0 },
      { label: 'x', budget_period: 'week', token_budget: 5 },
    ]) {
      const r = await fleet.call('POST', '/api/api-keys', body);
      expect(r.status, JSON.stringify(body)).toBe(422);
    }
    expect((await fleet.call('PATCH', '/api/api-keys/9999', { label: 'x' })).status).toBe(404);
    expect((await fleet.call('DELETE', '/api/api-keys/9999')).status).toBe(404);
    expect((await fleet.call('GET', '/api/api-keys')).body).toEqual([]);
  });

  it('limits requests per minute and spends token budgets, in the OpenAI envelope', async () => {
    const rpm = await createKey({ label: 'rpm', rate_limit_rpm: 2 });
    const c = client(rpm.key);
    await chat(c, 'chat-b');
    await chat(c, 'chat-b');
    const third = await chat(c, 'chat-b').catch((x: unknown) => x);
    expect(third).toBeInstanceOf(OpenAI.RateLimitError);
    expect(third).toMatchObject({ code: 'rate_limit_exceeded' });
    expect(
      Number((third as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after')),
    ).toBeGreaterThan(0);

    const budget = await createKey({ label: 'budget', token_budget: 20, budget_period: 'day' });
    const bc = client(budget.key);
    await chat(bc, 'chat-b', 16); // ~10 prompt + 16 completion tokens: over the budget
    await waitFor(
      async () => {
        const k = ((await fleet.call('GET', '/api/api-keys')).body as ApiKeyRead[]).find(
          (x) => x.id === budget.id,
        );
        return (k?.budget_used ?? 0) > 20 && k?.budget_remaining === 0;
      },
      5_000,
      'the budget use to show in the key list',
    );
    const over = await chat(bc, 'chat-b').catch((x: unknown) => x);
    expect(over).toBeInstanceOf(OpenAI.RateLimitError);
    expect(over).toMatchObject({ code: 'budget_exceeded' });
    for (const k of [rpm, budget]) await fleet.call('DELETE', `/api/api-keys/${k.id}`);
  });

  it('drops a deleted deployment from every scope', async () => {
    const k = await createKey({ label: 'two', deployment_ids: [d.replica!.id, d.sleepy!.id] });
    await until(d.sleepy!.id, (x) => x.status === 'stopped', 'stopped');
    expect((await fleet.call('DELETE', `/api/deployments/${d.sleepy!.id}`)).status).toBe(200);
    await waitFor(
      async () =>
        (
          ((await fleet.call('GET', '/api/api-keys')).body as ApiKeyRead[]).find(
            (x) => x.id === k.id,
          )?.allowed_deployment_ids ?? []
        ).join() === String(d.replica!.id),
      10_000,
      'the deleted deployment to leave the scope',
    );
    await fleet.call('DELETE', `/api/api-keys/${k.id}`);
  });
});

describe('kill switch', () => {
  it('answers 503 on /v1 while gateway_enabled is false; direct URLs keep working', async () => {
    await fleet.call('PUT', '/api/settings', { gateway_enabled: false });
    try {
      const off = await chat(client(), 'chat-b').catch((x: unknown) => x);
      expect(off).toBeInstanceOf(OpenAI.InternalServerError);
      expect(off).toMatchObject({ status: 503, code: 'gateway_disabled' });
      const direct = new OpenAI({
        baseURL: `http://127.0.0.1:${d.replica!.port}/v1`,
        apiKey: 'unused',
        maxRetries: 0,
      });
      expect((await chat(direct, 'chat-b')).choices).toHaveLength(1);
    } finally {
      await fleet.call('PUT', '/api/settings', { gateway_enabled: true });
    }
    expect((await chat(client(), 'chat-b')).choices).toHaveLength(1);
  });
});
