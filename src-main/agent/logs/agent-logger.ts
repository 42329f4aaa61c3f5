/** Categories of the agent's own (process) log. */
export type AgentLogCategory =
  'agent' | 'http' | 'registration' | 'logs' | 'engine' | 'runtime' | 'gpu';

export type AgentLogLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<AgentLogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A structured logger; every line is redacted before it is written. */
export interface AgentLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export type AgentLogSink = (line: Record<string, unknown>) => void;

// The agent may not import the control plane's logger (it ships as its own program), so it keeps
// this small twin: same JSON-lines shape on stderr, same rule that secrets never reach a transport.
const SECRET_FIELD = /token|secret|password|passwd|api[_-]?key|authorization|cookie/i;
const BEARER = /\b(Bearer\s+)[A-Za-z0-9._~+/=-]+/g;
const secrets = new Set<string>();

/** Registers a literal secret (the cluster token, env values) so that it never appears in the log. */
export function registerAgentSecret(secret: string): void {
  if (secret.length >= 4) secrets.add(secret);
}

function scrub(s: string): string {
  let out = s.replace(BEARER, '$1[redacted]');
  for (const secret of secrets)
    if (out.includes(secret)) out = out.split(secret).join('[redacted]');
  return out;
}

function redact(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return scrub(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error)
    return {
      name: value.name,
      message: scrub(value.message),
      stack: value.stack ? scrub(value.stack) : undefined,
    };
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value))
    out[k] = SECRET_FIELD.test(k) && typeof v === 'string' ? '[redacted]' : redact(v, depth + 1);
  return out;
}

let sink: AgentLogSink = (line) => process.stderr.write(`${JSON.stringify(line)}\n`);
const envLevel = process.env.AERIE_LOG_LEVEL;
let threshold = envLevel && envLevel in LEVELS ? LEVELS[envLevel as AgentLogLevel] : LEVELS.info;

/** Replaces where agent log lines go (tests capture them). */
export function setAgentLogSink(next: AgentLogSink): void {
  sink = next;
}

/** Drops lines below `level` (default info). */
export function setAgentLogLevel(level: AgentLogLevel): void {
  threshold = LEVELS[level];
}

/** A logger for one category of the agent process. */
export function createAgentLogger(category: AgentLogCategory): AgentLogger {
  const write = (level: AgentLogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (LEVELS[level] < threshold) return;
    const extra = fields ? (redact(fields, 0) as Record<string, unknown>) : {};
    sink({ time: new Date().toISOString(), level, category, msg: scrub(msg), ...extra });
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}
