import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExpressApp } from '../../src-main/http/express-app.js';
import { buildOpenApi, openApiPath } from '../../src-main/shared/node/openapi.js';
import { expressPath } from '../../src-main/shared/node/route.js';
import { startInProcess } from '../helpers/control-plane.js';

type Plane = Awaited<ReturnType<typeof startInProcess>>;
let plane: Plane;
let spec: {
  openapi: string;
  paths: Record<
    string,
    Record<string, { responses: Record<string, unknown>; requestBody?: unknown }>
  >;
};

beforeAll(async () => {
  plane = await startInProcess();
  const res = await fetch(`${plane.url}/openapi.json`);
  spec = (await res.json()) as typeof spec;
});
afterAll(() => plane.stop());

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** Every method+path Express would answer, read from the router itself (not from our route list). */
function walk(app: Express): string[] {
  const stack = (app as unknown as { router: { stack: Layer[] } }).router.stack;
  return stack.flatMap((l) =>
    l.route ? Object.keys(l.route.methods).map((m) => `${m.toUpperCase()} ${l.route!.path}`) : [],
  );
}

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1 with request, response and error schemas', () => {
    expect(spec.openapi).toBe('3.1.0');
    const put = spec.paths['/api/settings']!.put!;
    expect(put.requestBody).toBeDefined();
    expect(Object.keys(put.responses)).toEqual(expect.arrayContaining(['200', '400', '422']));
    expect(spec.paths['/api/configs/{config_id}']!.delete!.responses['404']).toBeDefined();
  });

  it('has an entry for every route the router serves', () => {
    const app = createExpressApp({
      routes: plane.routes,
      access: {
        mode: 'open',
        trusted: [],
        adminToken: 'x'.repeat(20),
        clusterToken: 'c'.repeat(20),
      },
    });
    const served = walk(app);
    expect(served.length).toBe(plane.routes.length);
    const documented = new Set(
      Object.entries(spec.paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${expressPath(path)}`),
      ),
    );
    // OpenAPI writes a rest-of-path parameter `{name}`; Express serves it as `*name`.
    const missing = served
      .map((r) => r.replace(/\*(\w+)/g, ':$1'))
      .filter((r) => !documented.has(r));
    expect(missing).toEqual([]);
  });

  it('documents a route that the router serves, and only those', () => {
    const doc = buildOpenApi(plane.routes, {
      title: 't',
      version: 'test',
      description: '',
      bearer: { name: 'adminToken', description: '' },
      anonymousAllowed: true,
    });
    expect(Object.keys(doc.paths as object).sort()).toEqual(
      [...new Set(plane.routes.map((r) => openApiPath(r.path)))].sort(),
    );
  });
});
