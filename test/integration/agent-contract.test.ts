// Every agent operation of the shared contract, sent a present field of the wrong type: the agent
// must answer 422 with a type error at that field (never "Field required"), and serve the same
// operations in its own /openapi.json.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startAgent, type RunningAgent } from '../../src-main/agent/bootstrap.js';
import { AGENT_API } from '../../src-main/shared/agent-protocol/api.js';
import type { Contract } from '../../src-main/shared/http-contract.js';
import { testAgentConfig } from '../helpers/agent-config.js';
import { api } from '../helpers/http.js';

const TOKEN = 'contract-cluster-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
let dataDir: string;
let agent: RunningAgent;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'agent-contract-'));
  agent = await startAgent(
    testAgentConfig(dataDir, [
      '--cluster-token',
      TOKEN,
      '--simulate-gpus',
      '1xH100-80GB',
      '--runtime',
      'process',
    ]),
  );
});
afterAll(async () => {
  await agent.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

type JsonSchema = {
  type?: string | string[];
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
};

/** The JSON types a property accepts (unions and nullables flattened). */
function typesOf(s: JsonSchema): string[] {
  if (s.anyOf) return s.anyOf.flatMap(typesOf);
  if (Array.isArray(s.type)) return s.type;
  return s.type ? [s.type] : [];
}

/** A JSON value of a type the property does not accept. */
function wrongValue(s: JsonSchema): unknown {
  const accepted = typesOf(s);
  const candidates: [string, unknown][] = [
    ['string', 12345],
    ['number', 'abc'],
    ['integer', 'abc'],
    ['boolean', 'yes'],
    ['array', 'not-a-list'],
    ['object', 'not-an-object'],
  ];
  if (accepted.includes('string')) return 12345;
  const hit = candidates.find(([t]) => accepted.includes(t));
  return hit ? hit[1] : 12345;
}

const properties = (schema: z.ZodType) =>
  (z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema).properties ?? {};

/** A concrete path for a contract (`{x}` → 1, `{x*}` → org/name). */
const pathOf = (c: Contract, params: Record<string, string> = {}) =>
  c.path.replace(
    /\{(\w+)\*?\}/g,
    (_m, name: string) => params[name] ?? (c.path.includes(`{${name}*}`) ? 'org/name' : '1'),
  );

const contracts: [string, Contract][] = Object.entries(AGENT_API);
const jsonBodyOps = contracts.flatMap(([op, c]) =>
  c.body !== undefined && c.streamBody === undefined ? [[op, c.body] as const] : [],
);

describe('the agent contract', () => {
  it.each(
    jsonBodyOps.flatMap(([op, body]) =>
      Object.keys(properties(body)).map((field) => [op, field] as const),
    ),
  )('%s answers a wrong-typed %s with a type error naming it', async (op, field) => {
    const c: Contract = AGENT_API[op as keyof typeof AGENT_API];
    const bad = wrongValue(properties(c.body!)[field]!);
    const r = await api(agent.url, c.method.toUpperCase(), pathOf(c), { [field]: bad }, auth);
    expect(r.status, `${op} ${field}=${JSON.stringify(bad)}`).toBe(422);
    const issues = (r.body as { detail: { loc: unknown[]; msg: string; type: string }[] }).detail;
    const mine = issues.filter((i) => i.loc[0] === 'body' && i.loc[1] === field);
    expect(mine.length, JSON.stringify(issues)).toBeGreaterThan(0);
    for (const i of mine) {
      expect(i.type).not.toBe('missing');
      expect(i.msg).not.toBe('Field required');
    }
  });

  it('answers the reference examples with the type error: port "abc" and pinned "yes"', async () => {
    const start = await api(
      agent.url,
      'POST',
      '/deployments/start',
      { model_name: 'm', port: 'abc', gpu_memory_fraction: 0.5 },
      auth,
    );
    expect(start.status).toBe(422);
    expect(start.body).toEqual({
      detail: [expect.objectContaining({ loc: ['body', 'port'], type: 'number_type' })],
    });
    const pin = await api(
      agent.url,
      'POST',
      '/deployments/pin',
      { key: 'm:1', pinned: 'yes' },
      auth,
    );
    expect(pin.status).toBe(422);
    expect(pin.body).toEqual({
      detail: [expect.objectContaining({ loc: ['body', 'pinned'], type: 'boolean_type' })],
    });
  });

  it('answers a non-numeric pid, port and tail in paths and queries with an error naming them', async () => {
    for (const [path, loc] of [
      ['/gpu-processes/abc/kill', ['path', 'pid']],
      ['/warm-artifacts/sleepers/abc/kill', ['path', 'pid']],
      ['/ports/check?port=abc', ['query', 'port']],
      ['/deployments/logs?key=m:1&tail=abc', ['query', 'tail']],
    ] as const) {
      const method = path.includes('/kill') ? 'POST' : 'GET';
      const r = await api(agent.url, method, path, undefined, auth);
      expect(r.status, path).toBe(422);
      const issue = (r.body as { detail: { loc: unknown[]; type: string }[] }).detail[0]!;
      expect(issue.loc, path).toEqual(loc);
      expect(issue.type, path).not.toBe('missing');
    }
  });

  it('documents every route it serves, from the same contracts, in /openapi.json', async () => {
    const r = await api(agent.url, 'GET', '/openapi.json');
    expect(r.status).toBe(200);
    const doc = r.body as {
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: unknown; security?: unknown[] }>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    for (const route of agent.routes()) {
      const path = route.path.replace(/\{(\w+)\*\}/g, '{$1}');
      expect(doc.paths[path]?.[route.method], `${route.method} ${route.path}`).toBeDefined();
    }
    expect(doc.paths['/deployments/start']?.post?.requestBody).toBeDefined();
    expect(doc.paths['/health']?.get?.security).toEqual([]);
    expect(Object.values(AGENT_API).length).toBe(agent.routes().length);
  });
});
