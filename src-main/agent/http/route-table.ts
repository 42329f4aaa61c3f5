import type { HttpMethod } from '../../shared/http-contract.js';
import type { RouteDef } from '../../shared/node/route.js';

interface CompiledRoute {
  route: RouteDef;
  /** Literal segments, `{name}` params, or a final `{name*}` that takes the rest of the path. */
  segments: Segment[];
}

type Segment =
  | { kind: 'literal'; text: string }
  | { kind: 'param'; name: string }
  | { kind: 'rest'; name: string };

export type RouteMatch =
  | { kind: 'found'; route: RouteDef; params: Record<string, string> }
  | { kind: 'wrong-method'; allowed: HttpMethod[] }
  | { kind: 'not-found' };

/** Identity of a registered route, for listings and the auth walk test. */
export interface RouteDescriptor {
  method: HttpMethod;
  path: string;
  public: boolean;
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

function compile(path: string): Segment[] {
  const parts = split(path);
  return parts.map((p, i) => {
    const m = /^\{([A-Za-z0-9_]+)(\*?)\}$/.exec(p);
    if (!m) return { kind: 'literal', text: p };
    if (m[2] === '*' && i !== parts.length - 1)
      throw new Error(`route ${path}: a {name*} segment must come last`);
    return { kind: m[2] === '*' ? 'rest' : 'param', name: m[1] ?? '' };
  });
}

function matchSegments(pattern: Segment[], parts: string[]): Record<string, string> | null {
  const params: Record<string, string> = {};
  for (const [i, seg] of pattern.entries()) {
    if (seg.kind === 'rest') {
      const rest = parts.slice(i);
      if (rest.length === 0) return null;
      params[seg.name] = rest.join('/');
      return params;
    }
    const part = parts[i];
    if (part === undefined) return null;
    if (seg.kind === 'param') params[seg.name] = part;
    else if (seg.text !== part) return null;
  }
  return parts.length === pattern.length ? params : null;
}

/** The agent's routes, matched by method and path (`HEAD` is answered by the `GET` route). */
export class RouteTable {
  private readonly compiled: CompiledRoute[];

  constructor(routes: readonly RouteDef[]) {
    const seen = new Set<string>();
    for (const r of routes) {
      const id = `${r.method} ${r.path}`;
      if (seen.has(id)) throw new Error(`duplicate agent route ${id}`);
      seen.add(id);
    }
    this.compiled = routes.map((route) => ({ route, segments: compile(route.path) }));
  }

  /** Matches a decoded-per-segment path; a param that is not valid percent-encoding does not match. */
  match(method: string, pathname: string): RouteMatch {
    let parts: string[];
    try {
      parts = split(pathname).map((p) => decodeURIComponent(p));
    } catch {
      return { kind: 'not-found' };
    }
    const wanted = (method === 'HEAD' ? 'GET' : method).toLowerCase();
    const allowed: HttpMethod[] = [];
    let best: { route: RouteDef; params: Record<string, string>; dynamic: number } | undefined;
    for (const c of this.compiled) {
      const params = matchSegments(c.segments, parts);
      if (!params) continue;
      if (c.route.method !== wanted) {
        allowed.push(c.route.method);
        continue;
      }
      // A literal route wins over a parameterised one that also matches (`/images/prune` vs `/images/:id`).
      const dynamic = Object.keys(params).length;
      if (!best || dynamic < best.dynamic) best = { route: c.route, params, dynamic };
    }
    if (best) return { kind: 'found', route: best.route, params: best.params };
    return allowed.length > 0 ? { kind: 'wrong-method', allowed } : { kind: 'not-found' };
  }

  list(): RouteDescriptor[] {
    return this.compiled.map(({ route }) => ({
      method: route.method,
      path: route.path,
      public: route.public === true,
    }));
  }
}
