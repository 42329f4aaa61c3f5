// Turns a documented route into fuzz cases (well-formed requests from its schemas, and those
// requests with one part made hostile), sends them byte-exact, and judges the answer.
import fc from 'fast-check';
import {
  DEEP_JSON,
  DEEP_TOKEN,
  hostileBinaryBodies,
  hostileHeaders,
  hostileJsonBodies,
  hostileMultipart,
  hostileQueryValues,
  hostileSegments,
  hostileValues,
  type RawBody,
} from './fuzz-corpus.js';
import {
  schemaArbitrary,
  type DocumentedRoute,
  type FieldOverride,
  type JsonSchema,
  type OpenApiDocument,
} from './fuzz-schema.js';

/** One request of the suite, exactly as it goes on the wire. */
export interface FuzzCase {
  what: string;
  method: string;
  target: string;
  headers: Record<string, string>;
  body: Buffer;
  /** Declares more body than it sends and half-closes. */
  truncate?: boolean;
  /** Sent without the suite's credentials. */
  anonymous?: boolean;
}

type BodyKind = 'json' | 'binary' | 'multipart' | 'none';

/** A request of a route before encoding: parameter values and the body. */
interface Inputs {
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
}

function bodyKind(route: DocumentedRoute): BodyKind {
  const types = Object.keys(route.op.requestBody?.content ?? {});
  if (types.includes('application/json')) return 'json';
  if (types.includes('multipart/form-data')) return 'multipart';
  return types.length > 0 ? 'binary' : 'none';
}

const PACKAGE_NAMES = ['p-1.0-py3-none-any.whl', 'plugin.py', 'src.tar.gz', 'src.zip', 'tool.exe'];

function multipartBody(filename: string, data: string): Buffer {
  return Buffer.from(
    `--B\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n\r\n${data}\r\n--B--\r\n`,
  );
}

function encodeBody(
  kind: BodyKind,
  body: unknown,
): { body: Buffer; headers: Record<string, string> } {
  switch (kind) {
    case 'json':
      return body === undefined
        ? { body: Buffer.alloc(0), headers: {} }
        : {
            body: Buffer.from(
              JSON.stringify(body).replaceAll(JSON.stringify(DEEP_TOKEN), DEEP_JSON),
            ),
            headers: { 'Content-Type': 'application/json' },
          };
    case 'multipart': {
      const { filename, data } = body as { filename: string; data: string };
      return {
        body: multipartBody(filename, data),
        headers: { 'Content-Type': 'multipart/form-data; boundary=B' },
      };
    }
    case 'binary':
      return { body: Buffer.from(body as Uint8Array), headers: {} };
    case 'none':
      return { body: Buffer.alloc(0), headers: {} };
  }
}

function targetOf(
  route: DocumentedRoute,
  params: Record<string, string>,
  query: Record<string, string>,
): string {
  const path = route.path.replace(/\{(\w+)\}/g, (_, n: string) => params[n] ?? 'x');
  const qs = Object.entries(query)
    .map(([k, v]) => `${encodeURIComponent(k)}=${v}`)
    .join('&');
  return qs ? `${path}?${qs}` : path;
}

function toCase(route: DocumentedRoute, inputs: Inputs, what: string): FuzzCase {
  const { body, headers } = encodeBody(bodyKind(route), inputs.body);
  return {
    what,
    method: route.method,
    target: targetOf(route, inputs.params, inputs.query),
    headers,
    body,
  };
}

function inputsArbitrary(
  route: DocumentedRoute,
  doc: OpenApiDocument,
  override: FieldOverride,
): fc.Arbitrary<Inputs> {
  const params: Record<string, fc.Arbitrary<string>> = {};
  const query: Record<string, fc.Arbitrary<string>> = {};
  const requiredQuery: string[] = [];
  for (const p of route.op.parameters ?? []) {
    const arb = (override(p.name) ?? schemaArbitrary(p.schema, doc, override)).map((v) =>
      encodeURIComponent(String(v)),
    );
    if (p.in === 'path') params[p.name] = arb;
    else {
      query[p.name] = arb;
      if (p.required) requiredQuery.push(p.name);
    }
  }
  const kind = bodyKind(route);
  const jsonSchema = route.op.requestBody?.content['application/json']?.schema;
  const body: fc.Arbitrary<unknown> =
    kind === 'json' && jsonSchema
      ? route.op.requestBody?.required
        ? schemaArbitrary(jsonSchema, doc, override)
        : fc.option(schemaArbitrary(jsonSchema, doc, override), { nil: undefined })
      : kind === 'multipart'
        ? fc.record({
            filename: fc.constantFrom(...PACKAGE_NAMES),
            data: fc.string({ maxLength: 64 }),
          })
        : kind === 'binary'
          ? fc.uint8Array({ maxLength: 64 })
          : fc.constant(undefined);
  return fc.record({
    params: fc.record(params),
    query: fc.record(query, { requiredKeys: requiredQuery }),
    body,
  });
}

/** Every `[path, setter]` of the objects and arrays inside `v`, root excluded. */
function slots(v: unknown): ((x: unknown) => void)[] {
  const out: ((x: unknown) => void)[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node))
      node.forEach((child, i) => {
        out.push((x) => (node[i] = x));
        walk(child);
      });
    else if (node !== null && typeof node === 'object')
      for (const [k, child] of Object.entries(node)) {
        out.push((x) => ((node as Record<string, unknown>)[k] = x));
        walk(child);
      }
  };
  walk(v);
  return out;
}

/**
 * The random cases of a route: well-formed requests from its schemas, and the same with one
 * field, path segment or query value made hostile, or one required part left out.
 */
export function caseArbitrary(
  route: DocumentedRoute,
  doc: OpenApiDocument,
  override: FieldOverride,
  marker: string,
): fc.Arbitrary<FuzzCase> {
  const inputs = inputsArbitrary(route, doc, override);
  const kind = bodyKind(route);
  const paramNames = (route.op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
  const queryNames = (route.op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
  const arbs: fc.WeightedArbitrary<FuzzCase>[] = [
    { weight: 3, arbitrary: inputs.map((i) => toCase(route, i, 'well-formed')) },
  ];
  if (kind === 'json')
    arbs.push({
      weight: 4,
      arbitrary: fc
        .tuple(inputs, fc.constantFrom(...hostileValues(marker)), fc.nat())
        .map(([i, v, k]) => {
          const body = structuredClone(i.body ?? {});
          const s = slots(body);
          const set = s[k % Math.max(1, s.length)];
          if (set) set(v);
          return toCase(
            route,
            { ...i, body: set ? body : v },
            `a hostile field (${JSON.stringify(v)?.slice(0, 40)})`,
          );
        }),
    });
  if (paramNames.length > 0)
    arbs.push({
      weight: 2,
      arbitrary: fc
        .tuple(inputs, fc.constantFrom(...paramNames), fc.constantFrom(...hostileSegments(marker)))
        .map(([i, name, seg]) =>
          toCase(
            route,
            { ...i, params: { ...i.params, [name]: seg } },
            `path ${name}=${seg.slice(0, 40)}`,
          ),
        ),
    });
  if (queryNames.length > 0)
    arbs.push({
      weight: 2,
      arbitrary: fc
        .tuple(
          inputs,
          fc.constantFrom(...queryNames),
          fc.constantFrom(...hostileQueryValues(marker)),
        )
        .map(([i, name, v]) =>
          toCase(
            route,
            { ...i, query: { ...i.query, [name]: v } },
            `query ${name}=${v.slice(0, 40)}`,
          ),
        ),
    });
  return fc.oneof(...arbs);
}

/** Hostile values for every field in the fixed corpus (the random cases draw from the full list). */
function leafValues(marker: string): unknown[] {
  return [
    'a\u0000b',
    'line\nbreak',
    'x'.repeat(300),
    'x'.repeat(40_000),
    `../../../../../../tmp/${marker}`,
    -1,
    null,
    DEEP_TOKEN,
  ];
}

function resolve(schema: JsonSchema, doc: OpenApiDocument): JsonSchema {
  return schema.$ref !== undefined
    ? (doc.components?.schemas?.[schema.$ref.replace('#/components/schemas/', '')] ?? {})
    : schema;
}

/**
 * Every field of a JSON body made hostile in turn, one at a time, on an otherwise minimal valid
 * body (required fields only, plus the field under test with a valid value, so that a hostile
 * value deep inside it, an env var value or a LoRA path, is reached).
 */
function fieldCases(
  route: DocumentedRoute,
  doc: OpenApiDocument,
  override: FieldOverride,
  marker: string,
  base: Inputs,
): FuzzCase[] {
  const raw = route.op.requestBody?.content['application/json']?.schema;
  const schema = raw ? resolve(raw, doc) : undefined;
  const props = schema?.properties;
  if (!schema || !props) return [];
  const required = new Set(schema.required ?? []);
  const minimal: Record<string, unknown> = {};
  const full = (base.body ?? {}) as Record<string, unknown>;
  for (const k of required) minimal[k] = full[k];
  const out: FuzzCase[] = [];
  let seed = 2;
  for (const [name, propSchema] of Object.entries(props)) {
    const arb = override(name) ?? schemaArbitrary(propSchema, doc, override);
    const [value] = fc.sample(
      arb.filter((v) => v !== null && v !== undefined),
      { seed: seed++, numRuns: 1 },
    );
    const setters = (body: Record<string, unknown>) => [
      (x: unknown) => (body[name] = x),
      ...slots(body[name]),
    ];
    const count = setters({ [name]: structuredClone(value) }).length;
    for (let i = 0; i < count; i++)
      for (const v of leafValues(marker)) {
        const body: Record<string, unknown> = {
          ...structuredClone(minimal),
          [name]: structuredClone(value),
        };
        setters(body)[i]?.(v);
        out.push(
          toCase(
            route,
            { ...base, body },
            `field ${name}#${i} = ${JSON.stringify(v)?.slice(0, 30)}`,
          ),
        );
      }
  }
  return out;
}

/** The fixed corpus of a route: every hostile body its kind has, every hostile segment and query value, every header case. */
export function corpusCases(
  route: DocumentedRoute,
  doc: OpenApiDocument,
  override: FieldOverride,
  marker: string,
): FuzzCase[] {
  const [base] = fc.sample(inputsArbitrary(route, doc, override), { seed: 1, numRuns: 1 });
  if (!base) return [];
  const valid = toCase(route, base, 'well-formed');
  const out: FuzzCase[] = [];
  const kind = bodyKind(route);
  const bodies: RawBody[] =
    kind === 'json'
      ? hostileJsonBodies(marker)
      : kind === 'multipart'
        ? hostileMultipart(marker)
        : kind === 'binary'
          ? hostileBinaryBodies()
          : [];
  if (kind === 'json') out.push(...fieldCases(route, doc, override, marker, base));
  for (const b of bodies)
    out.push({
      ...valid,
      what: `body: ${b.what}`,
      body: b.body,
      headers: b.headers ?? {},
      truncate: b.truncate,
    });
  for (const p of route.op.parameters ?? []) {
    const values = p.in === 'path' ? hostileSegments(marker) : hostileQueryValues(marker);
    for (const v of values) {
      const inputs =
        p.in === 'path'
          ? { ...base, params: { ...base.params, [p.name]: v } }
          : { ...base, query: { ...base.query, [p.name]: v } };
      out.push(toCase(route, inputs, `${p.in} ${p.name}=${v.slice(0, 40)}`));
    }
  }
  for (const h of hostileHeaders())
    out.push({
      ...valid,
      what: `headers: ${h.what}`,
      method: h.method ?? valid.method,
      headers: { ...valid.headers, ...h.headers },
      anonymous: h.anonymous,
    });
  return out;
}
