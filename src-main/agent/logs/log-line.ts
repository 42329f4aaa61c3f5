// Pure rules for turning runtime output into stored log lines (behaviour.md §2.11).
import { createHash } from 'node:crypto';

// CSI sequences (colours, cursor moves), OSC sequences (titles, links) and lone two-byte escapes.
// eslint-disable-next-line no-control-regex -- matching the ESC and BEL control bytes is the point
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;
const NOISE = /"(?:GET|HEAD) \/(?:metrics|health)(?:\?[^"\s]*)? HTTP\/[\d.]+"/;
const RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/i;

/** Removes ANSI escape sequences. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** For tqdm-style `\r` updates, keeps only what the terminal would finally show: the last non-empty segment. */
export function lastCarriageSegment(text: string): string {
  if (!text.includes('\r')) return text;
  const segments = text.split('\r').filter((s) => s.trim() !== '');
  return segments.at(-1) ?? '';
}

/** True for uvicorn access lines of health and metrics probes, which would drown the real log. */
export function isProbeNoise(text: string): boolean {
  return NOISE.test(text);
}

/** An RFC 3339 (nano) timestamp as nanoseconds since the epoch, comparable across precisions; null if malformed. */
export function timestampNanos(ts: string): bigint | null {
  const m = RFC3339.exec(ts.trim());
  if (!m) return null;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return null;
  const frac = (m[2] ?? '').padEnd(9, '0');
  return BigInt(ms) * 1_000_000n + BigInt(frac);
}

/** `YYYY-MM-DD HH:MM:SS` in UTC for epoch milliseconds. */
export function formatUtc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** The UTC display time of an RFC 3339 timestamp; falls back to `fallbackMs` when it does not parse. */
export function displayTime(ts: string, fallbackMs: number): string {
  const ns = timestampNanos(ts);
  return formatUtc(ns === null ? fallbackMs : Number(ns / 1_000_000n));
}

/** The stored form of one runtime line, or null when it is dropped (probe noise, empty after cleaning). */
export function formatRuntimeLine(ts: string, text: string, fallbackMs: number): string | null {
  const clean = lastCarriageSegment(stripAnsi(text)).replace(/\s+$/, '');
  if (clean === '' || isProbeNoise(clean)) return null;
  return `[${displayTime(ts, fallbackMs)}] ${clean}`;
}

/** Tag of a line the agent writes itself; Docker-tagged lines read `[podman]` on a Podman deployment. */
export type AgentLineTag = 'agent' | 'docker' | 'podman';

/** The stored form of a line the agent writes itself. */
export function formatAgentLine(tag: AgentLineTag, text: string, nowMs: number): string {
  return `[${formatUtc(nowMs)}] [${tag}] ${stripAnsi(text).replace(/\s+$/, '')}`;
}

/** Longest model part of a log file name: `-<port>.log.pos` must still fit in 255 bytes. */
const MAX_SAFE_NAME = 200;

/** File name of a deployment's log: model with `/` → `--`, then `-<port>.log`. */
export function logFileName(model: string, port: number): string {
  const safe = model
    .replace(/\//g, '--')
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^\.+/, '_');
  // A file name has at most 255 bytes: a long name keeps its start and gets a hash of the whole.
  const bounded =
    safe.length <= MAX_SAFE_NAME
      ? safe
      : `${safe.slice(0, MAX_SAFE_NAME - 17)}~${createHash('sha256').update(model).digest('hex').slice(0, 16)}`;
  return `${bounded}-${port}.log`;
}

/** Splits a deployment key `<model>:<port>` (the model itself may contain `:`); null if malformed. */
export function splitKey(key: string): { model: string; port: number } | null {
  const i = key.lastIndexOf(':');
  if (i <= 0) return null;
  const port = Number(key.slice(i + 1));
  if (!Number.isInteger(port) || port < 1 || port > 65535) return null;
  return { model: key.slice(0, i), port };
}
