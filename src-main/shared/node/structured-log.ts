// The structured JSON-lines logger shared by every Aerie program (control plane, agent,
// simulator): one redactor, one sink, one level, whatever the process.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<LogLevel | 'silent', number> = {
  debug: 10,
  info: 20,
  warn: 30,
  error: 40,
  silent: 100,
};

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export type LogSink = (line: Record<string, unknown>) => void;

const SECRET_KEY = /token|secret|password|passwd|api[_-]?key|authorization|cookie/i;
const BEARER = /\b(Bearer\s+)[A-Za-z0-9._~+/=-]+/g;
const KEY_LIKE = /\b(aer|vcm|ath)-[0-9a-f]{32}\b/g;
const redactedSecrets = new Set<string>();

/** Registers a literal secret (a token, a key, an env value) so that it never appears in any log line. */
export function registerSecret(secret: string): void {
  if (secret.length >= 4) redactedSecrets.add(secret);
}

function redactString(s: string): string {
  let out = s.replace(BEARER, '$1[redacted]').replace(KEY_LIKE, '[redacted-key]');
  for (const secret of redactedSecrets)
    if (out.includes(secret)) out = out.split(secret).join('[redacted]');
  return out;
}

/** Returns a copy of `value` with secrets masked: secret-named fields, bearer tokens, known secrets. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactString(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error)
    return {
      name: value.name,
      message: redactString(value.message),
      stack: value.stack ? redactString(value.stack) : undefined,
    };
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEY.test(k) && typeof v === 'string' ? '[redacted]' : redact(v, depth + 1);
  }
  return out;
}

let sink: LogSink = (line) => process.stderr.write(`${JSON.stringify(line)}\n`);
let threshold =
  LEVELS[(process.env.AERIE_LOG_LEVEL as LogLevel | 'silent' | undefined) ?? 'info'] ?? LEVELS.info;

/** Replaces where log lines go (a log file in the desktop app, a buffer in tests). */
export function setLogSink(next: LogSink): void {
  sink = next;
}

export function setLogLevel(level: LogLevel): void {
  threshold = LEVELS[level];
}

/**
 * A structured logger for one category (each program names its own categories); every line
 * passes the redactor before any transport.
 */
export function createCategoryLogger(category: string): Logger {
  const write = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (LEVELS[level] < threshold) return;
    const extra = fields ? (redact(fields) as Record<string, unknown>) : {};
    sink({ time: new Date().toISOString(), level, category, msg: redactString(msg), ...extra });
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}
