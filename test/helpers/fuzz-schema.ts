// fast-check arbitraries from the JSON Schemas of an OpenAPI document (the subset zod emits):
// what a well-behaved client of a route could send, as the starting point of the fuzz suite.
import fc from 'fast-check';

export type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
};

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query';
  required?: boolean;
  schema: JsonSchema;
}

export interface OpenApiOperation {
  parameters?: OpenApiParameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: JsonSchema }> };
  security?: unknown[];
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

/** One operation of a document. */
export interface DocumentedRoute {
  method: string;
  path: string;
  op: OpenApiOperation;
}

/** Every operation of `doc`, in document order. */
export function documentedRoutes(doc: OpenApiDocument): DocumentedRoute[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
  );
}

/** Replaces the arbitrary of a named field (a `port` the suite must keep in a safe range). */
export type FieldOverride = (name: string) => fc.Arbitrary<unknown> | undefined;

const MAX_ITEMS = 4;
const MAX_STRING = 40;

function stringArb(s: JsonSchema): fc.Arbitrary<string> {
  const maxLength = Math.min(s.maxLength ?? MAX_STRING, MAX_STRING);
  const minLength = Math.min(s.minLength ?? 0, maxLength);
  if (s.format === 'date-time')
    return fc
      .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
      .map((d) => d.toISOString());
  if (s.pattern !== undefined)
    return fc
      .stringMatching(new RegExp(s.pattern))
      .filter((x) => x.length >= minLength && x.length <= (s.maxLength ?? Infinity));
  return fc.oneof(
    fc.string({ minLength, maxLength }),
    fc.string({ minLength, maxLength, unit: 'grapheme' }),
  );
}

function numberArb(s: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const lo = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum : undefined);
  const hi = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum : undefined);
  if (integer) {
    const min = Math.max(
      lo === undefined ? -1e6 : Math.ceil(lo + (s.exclusiveMinimum !== undefined ? 1 : 0)),
      Number.MIN_SAFE_INTEGER,
    );
    const max = Math.min(
      hi === undefined ? 1e6 : Math.floor(hi - (s.exclusiveMaximum !== undefined ? 1 : 0)),
      Number.MAX_SAFE_INTEGER,
    );
    return fc.integer({ min, max: Math.max(min, max) });
  }
  return fc
    .double({ min: lo ?? -1e6, max: hi ?? 1e6, noNaN: true, noDefaultInfinity: true })
    .filter(
      (x) =>
        (s.exclusiveMinimum === undefined || x > s.exclusiveMinimum) &&
        (s.exclusiveMaximum === undefined || x < s.exclusiveMaximum),
    );
}

/**
 * An arbitrary of the values `schema` accepts (references resolved against `doc`). Strings,
 * arrays and maps are kept short: the hostile sizes come from the corpus, not from here.
 */
export function schemaArbitrary(
  schema: JsonSchema,
  doc: OpenApiDocument,
  override: FieldOverride = () => undefined,
  depth = 0,
): fc.Arbitrary<unknown> {
  if (schema.$ref !== undefined) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = doc.components?.schemas?.[name];
    return target ? schemaArbitrary(target, doc, override, depth) : fc.jsonValue({ maxDepth: 1 });
  }
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum !== undefined) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives !== undefined)
    return fc.oneof(...alternatives.map((a) => schemaArbitrary(a, doc, override, depth)));
  if (schema.allOf?.[0] !== undefined)
    return schemaArbitrary(schema.allOf[0], doc, override, depth);
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length > 1)
    return fc.oneof(
      ...types.map((t) => schemaArbitrary({ ...schema, type: t }, doc, override, depth)),
    );
  switch (types[0]) {
    case 'string':
      return stringArb(schema);
    case 'integer':
      return numberArb(schema, true);
    case 'number':
      return numberArb(schema, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const item = schema.items
        ? schemaArbitrary(schema.items, doc, override, depth + 1)
        : fc.jsonValue({ maxDepth: 1 });
      const maxLength = Math.min(schema.maxItems ?? MAX_ITEMS, MAX_ITEMS);
      return fc.array(item, { minLength: Math.min(schema.minItems ?? 0, maxLength), maxLength });
    }
    case 'object':
      return objectArb(schema, doc, override, depth);
    default:
      return fc.jsonValue({ maxDepth: depth > 2 ? 0 : 2 });
  }
}

function objectArb(
  schema: JsonSchema,
  doc: OpenApiDocument,
  override: FieldOverride,
  depth: number,
): fc.Arbitrary<unknown> {
  const props = schema.properties ?? {};
  if (Object.keys(props).length === 0) {
    const extra = schema.additionalProperties;
    const value =
      typeof extra === 'object'
        ? schemaArbitrary(extra, doc, override, depth + 1)
        : fc.jsonValue({ maxDepth: 1 });
    return fc.dictionary(fc.string({ maxLength: 12 }), value, { maxKeys: MAX_ITEMS });
  }
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, s] of Object.entries(props))
    model[name] = override(name) ?? schemaArbitrary(s, doc, override, depth + 1);
  return fc.record(model, { requiredKeys: schema.required ?? [] });
}
