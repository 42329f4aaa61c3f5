// The agent's layering (DESIGN.md §2, issue 7): its import graph has no circle, and only the
// composition root reaches into http/ (domain code never imports the HTTP layer).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../src-main/agent');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

/** Every relative import (and re-export) of each agent file, resolved to a file of the agent. */
function graph(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const file of sources(ROOT)) {
    const text = readFileSync(file, 'utf8');
    const deps = [...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom '(\.[^']+)'/gms)]
      .map((m) => resolve(dirname(file), (m[1] ?? '').replace(/\.js$/, '.ts')))
      .filter((p) => p.startsWith(`${ROOT}/`));
    out.set(file, deps);
  }
  return out;
}

function cycles(g: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (v: string) => {
    state.set(v, 'open');
    stack.push(v);
    for (const w of g.get(v) ?? []) {
      if (state.get(w) === 'open') found.push(stack.slice(stack.indexOf(w)));
      else if (!state.has(w)) visit(w);
    }
    stack.pop();
    state.set(v, 'done');
  };
  for (const v of g.keys()) if (!state.has(v)) visit(v);
  return found.map((c) => c.map((f) => relative(ROOT, f)));
}

describe('the agent import graph', () => {
  const g = graph();

  it('reads the whole agent', () => {
    expect(g.size).toBeGreaterThan(50);
    expect(g.get(join(ROOT, 'bootstrap.ts'))?.length).toBeGreaterThan(10);
  });

  it('has no circle', () => {
    expect(cycles(g)).toEqual([]);
  });

  it('reaches http/ only from the composition root', () => {
    const intoHttp = [...g]
      .filter(([file]) => !file.startsWith(join(ROOT, 'http')))
      .filter(([, deps]) => deps.some((d) => d.startsWith(join(ROOT, 'http/'))))
      .map(([file]) => relative(ROOT, file));
    expect(intoHttp).toEqual(['bootstrap.ts']);
  });

  it('has no circle between its folders either', () => {
    const folder = (f: string) => relative(ROOT, f).split('/')[0] ?? '';
    const folders = new Map<string, string[]>();
    for (const [file, deps] of g) {
      const from = folder(file);
      const to = deps.map(folder).filter((f) => f !== from);
      folders.set(from, [...new Set([...(folders.get(from) ?? []), ...to])]);
    }
    expect(cycles(folders)).toEqual([]);
  });
});
