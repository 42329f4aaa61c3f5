import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isJsonContentType, jsonNestsDeeperThan } from '../../src-main/shared/node/json-body.js';

function depth(v: unknown): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depth));
  if (v !== null && typeof v === 'object') return 1 + Math.max(0, ...Object.values(v).map(depth));
  return 0;
}

describe('jsonNestsDeeperThan', () => {
  it('agrees with the depth of the parsed value, brackets in strings and escapes included', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 10 }), (v, max) => {
        expect(jsonNestsDeeperThan(JSON.stringify(v), max)).toBe(depth(v) > max);
      }),
      { seed: 8, numRuns: 500 },
    );
  });

  it('scans 10,000 levels without recursing', () => {
    expect(jsonNestsDeeperThan('['.repeat(10_000) + ']'.repeat(10_000), 64)).toBe(true);
    expect(jsonNestsDeeperThan(`"${'['.repeat(10_000)}"`, 64)).toBe(false);
    expect(jsonNestsDeeperThan(`["\\\\",${'['.repeat(3)}]]]]`, 3)).toBe(true);
  });
});

describe('isJsonContentType', () => {
  it.each([
    ['application/json', true],
    ['Application/JSON; charset=utf-8', true],
    ['application/merge-patch+json', true],
    ['text/plain', false],
    ['application/jsonx', false],
    [undefined, false],
  ])('%s → %s', (type, want) => {
    expect(isJsonContentType(type)).toBe(want);
  });
});
