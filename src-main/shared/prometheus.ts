// A small, fast parser of the Prometheus text exposition format (0.0.4), enough for vLLM's
// `/metrics` (interfaces.md §2) and for our own gateway metrics in tests. It scans each line once
// with index arithmetic, never throws, and collects malformed lines as errors instead, because a
// scrape of a half-broken exporter should still yield the series that did parse.

export type PromType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface PromSample {
  /** The series name as written, e.g. `vllm:ttft_seconds_bucket`. */
  name: string;
  labels: Readonly<Record<string, string>>;
  /** May be ±Infinity or NaN. */
  value: number;
  timestamp_ms: number | null;
}

export interface PromFamily {
  name: string;
  type: PromType;
  help: string | null;
}

export interface PromExposition {
  samples: PromSample[];
  /** Samples grouped by exact series name. */
  byName: ReadonlyMap<string, readonly PromSample[]>;
  /** Families declared by `# TYPE` / `# HELP`, by family name. */
  families: ReadonlyMap<string, PromFamily>;
  /** `line N: reason` for every line that could not be parsed (at most 20). */
  errors: string[];
}

const MAX_ERRORS = 20;
const TYPES: ReadonlySet<string> = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

const isNameStart = (c: number) =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58; // a-z A-Z _ :
const isNameChar = (c: number) => isNameStart(c) || (c >= 48 && c <= 57);
const isSpace = (c: number) => c === 32 || c === 9;

/** Parses a sample value: floats in Go/Python spelling, `+Inf`, `-Inf`, `NaN`. */
export function parsePromValue(raw: string): number | null {
  switch (raw) {
    case '+Inf':
    case 'Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
    case 'NaN':
      return NaN;
  }
  if (raw === '' || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw)) return null;
  return Number(raw);
}

function unescape(s: string, withQuote: boolean): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch !== '\\' || i + 1 >= s.length) {
      out += ch;
      continue;
    }
    const next = s[++i];
    if (next === 'n') out += '\n';
    else if (next === '\\') out += '\\';
    else if (next === '"' && withQuote) out += '"';
    else out += `\\${next}`;
  }
  return out;
}

/** Reads `{a="x",b="y"}` starting at `line[start] === '{'`; returns the index after `}`. */
function parseLabels(line: string, start: number, labels: Record<string, string>): number | string {
  let i = start + 1;
  for (;;) {
    while (i < line.length && isSpace(line.charCodeAt(i))) i++;
    if (line[i] === '}') return i + 1;
    const nameStart = i;
    if (!isNameStart(line.charCodeAt(i)) || line[i] === ':') return 'bad label name';
    while (i < line.length && isNameChar(line.charCodeAt(i)) && line[i] !== ':') i++;
    const name = line.slice(nameStart, i);
    while (isSpace(line.charCodeAt(i))) i++;
    if (line[i] !== '=') return `expected '=' after label ${name}`;
    i++;
    while (isSpace(line.charCodeAt(i))) i++;
    if (line[i] !== '"') return `expected '"' for label ${name}`;
    const valueStart = ++i;
    while (i < line.length && line[i] !== '"') i += line[i] === '\\' ? 2 : 1;
    if (i >= line.length) return `unterminated value for label ${name}`;
    labels[name] = unescape(line.slice(valueStart, i), true);
    i++;
    while (isSpace(line.charCodeAt(i))) i++;
    if (line[i] === ',') i++;
    else if (line[i] !== '}') return `expected ',' or '}' after label ${name}`;
  }
}

function parseSample(line: string): PromSample | string {
  let i = 0;
  if (!isNameStart(line.charCodeAt(0))) return 'bad metric name';
  while (i < line.length && isNameChar(line.charCodeAt(i))) i++;
  const name = line.slice(0, i);
  const labels: Record<string, string> = {};
  while (isSpace(line.charCodeAt(i))) i++;
  if (line[i] === '{') {
    const end = parseLabels(line, i, labels);
    if (typeof end === 'string') return end;
    i = end;
  }
  const rest = line
    .slice(i)
    .trim()
    .split(/[ \t]+/);
  if (rest.length === 0 || rest.length > 2 || rest[0] === '') return 'missing value';
  const value = parsePromValue(rest[0] ?? '');
  if (value === null) return `bad value '${rest[0]}'`;
  let timestamp_ms: number | null = null;
  if (rest.length === 2) {
    timestamp_ms = /^-?\d+$/.test(rest[1] ?? '') ? Number(rest[1]) : null;
    if (timestamp_ms === null) return `bad timestamp '${rest[1]}'`;
  }
  return { name, labels, value, timestamp_ms };
}

function parseComment(line: string, families: Map<string, PromFamily>): string | null {
  const m = /^#[ \t]+(HELP|TYPE)[ \t]+([a-zA-Z_:][a-zA-Z0-9_:]*)(?:[ \t]+(.*))?$/.exec(line);
  if (!m) return null; // an ordinary comment
  const [, kind, name = '', rest = ''] = m;
  const family = families.get(name) ?? { name, type: 'untyped' as PromType, help: null };
  if (kind === 'HELP') family.help = unescape(rest, false);
  else {
    const type = rest.trim();
    if (!TYPES.has(type)) return `unknown type '${type}' for ${name}`;
    family.type = type as PromType;
  }
  families.set(name, family);
  return null;
}

/** Parses Prometheus text exposition. Never throws; malformed lines are listed in `errors`. */
export function parsePrometheusText(text: string): PromExposition {
  const samples: PromSample[] = [];
  const byName = new Map<string, PromSample[]>();
  const families = new Map<string, PromFamily>();
  const errors: string[] = [];
  let lineNo = 0;
  let pos = 0;
  while (pos <= text.length) {
    let end = text.indexOf('\n', pos);
    if (end === -1) end = text.length;
    let line = text.slice(pos, end);
    pos = end + 1;
    lineNo++;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    line = line.trimStart();
    if (line === '') continue;
    const result = line[0] === '#' ? parseComment(line, families) : parseSample(line);
    if (typeof result === 'string') {
      if (errors.length < MAX_ERRORS) errors.push(`line ${lineNo}: ${result}`);
    } else if (result !== null) {
      samples.push(result);
      const list = byName.get(result.name);
      if (list) list.push(result);
      else byName.set(result.name, [result]);
    }
  }
  return { samples, byName, families, errors };
}

const SUFFIXES = ['_bucket', '_count', '_sum', '_total', '_created'] as const;

/** The declared family a series belongs to (`x_bucket`, `x_sum`, `x_count` → histogram `x`). */
export function familyOf(expo: PromExposition, seriesName: string): PromFamily | undefined {
  const exact = expo.families.get(seriesName);
  if (exact) return exact;
  for (const suffix of SUFFIXES) {
    if (seriesName.endsWith(suffix)) {
      const family = expo.families.get(seriesName.slice(0, -suffix.length));
      if (family) return family;
    }
  }
  return undefined;
}

/**
 * Sums the finite values of one series across label sets (optionally filtered by labels).
 * Returns null when no sample of that name exists, so callers can tell "absent" from zero.
 */
export function sumSeries(
  expo: PromExposition,
  name: string,
  where?: (labels: Readonly<Record<string, string>>) => boolean,
): number | null {
  const list = expo.byName.get(name);
  if (!list) return null;
  let total = 0;
  let seen = false;
  for (const s of list) {
    if (where && !where(s.labels)) continue;
    seen = true;
    if (Number.isFinite(s.value)) total += s.value;
  }
  return seen ? total : null;
}
