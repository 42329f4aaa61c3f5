import { STATUS_CODES } from 'node:http';

/** The process tags vLLM puts in front of its log lines. */
export type LogProc = 'APIServer' | 'EngineCore_DP0';
type Level = 'INFO' | 'WARNING' | 'ERROR' | 'DEBUG';

export interface LogStreams {
  write(stream: 'stdout' | 'stderr', text: string): void;
}

/** Writes to the real process streams. */
export const processStreams: LogStreams = {
  write: (stream, text) => {
    (stream === 'stdout' ? process.stdout : process.stderr).write(text);
  },
};

const pad = (n: number) => String(n).padStart(2, '0');

/** vLLM's timestamp: `MM-DD HH:MM:SS`, local time, no year. */
export function vllmTimestamp(d: Date): string {
  return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** vLLM colours the process prefix of its lines: `\x1b[1;36m(APIServer pid=1)\x1b[0;0m`. */
const prefix = (proc: string, pid: number) => `\x1b[1;36m(${proc} pid=${pid})\x1b[0;0m`;

const FLUSH_BYTES = 32 * 1024;
const FLUSH_MS = 20;

/**
 * Log lines in vLLM's format. Access-log lines are buffered and flushed in batches, because a
 * synchronous pipe write per request would cap the simulator's request rate; every other line
 * flushes the buffer first so the order on stdout stays true.
 */
export class VllmLog {
  private buffer = '';
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly streams: LogStreams,
    private readonly pid: number,
    private readonly accessLog: boolean,
  ) {}

  line(proc: LogProc, level: Level, source: string, msg: string): void {
    this.flush();
    this.streams.write(
      'stdout',
      `${prefix(proc, this.pid)} ${level} ${vllmTimestamp(new Date())} [${source}] ${msg}\n`,
    );
  }

  info(proc: LogProc, source: string, msg: string): void {
    this.line(proc, 'INFO', source, msg);
  }

  warn(proc: LogProc, source: string, msg: string): void {
    this.line(proc, 'WARNING', source, msg);
  }

  error(proc: LogProc, source: string, msg: string): void {
    this.line(proc, 'ERROR', source, msg);
  }

  /** A line without vLLM's prefix (tqdm bars, tracebacks), as Python prints them. */
  raw(stream: 'stdout' | 'stderr', text: string): void {
    this.flush();
    this.streams.write(stream, text.endsWith('\n') ? text : `${text}\n`);
  }

  /** One update of a tqdm bar: `\r` after it, as tqdm redraws in place; a newline after the last. */
  progress(stream: 'stdout' | 'stderr', text: string, last: boolean): void {
    this.flush();
    this.streams.write(stream, `${text}${last ? '\n' : '\r'}`);
  }

  /** Uvicorn's own lines: `(APIServer pid=1) INFO:     Started server process [1]`. */
  uvicorn(msg: string, level: 'INFO' | 'ERROR' = 'INFO'): void {
    this.flush();
    this.streams.write(
      'stdout',
      `${prefix('APIServer', this.pid)} ${`${level}:`.padEnd(10)}${msg}\n`,
    );
  }

  /** Uvicorn's access line, e.g. `INFO:     127.0.0.1:5 - "GET /health HTTP/1.1" 200 OK`. */
  access(remote: string, method: string, path: string, httpVersion: string, status: number): void {
    if (!this.accessLog) return;
    this.buffer += `${prefix('APIServer', this.pid)} INFO:     ${remote} - "${method} ${path} HTTP/${httpVersion}" ${status} ${STATUS_CODES[status] ?? ''}\n`;
    if (this.buffer.length >= FLUSH_BYTES) this.flush();
    else if (this.timer === null) {
      this.timer = setTimeout(() => this.flush(), FLUSH_MS);
      this.timer.unref();
    }
  }

  flush(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.buffer.length === 0) return;
    const text = this.buffer;
    this.buffer = '';
    this.streams.write('stdout', text);
  }
}
