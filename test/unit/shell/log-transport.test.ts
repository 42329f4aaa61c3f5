import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import electronLog from 'electron-log/node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createLogger,
  registerSecret,
  setLogLevel,
  setLogSink,
} from '../../../src-main/logging/logger.js';
import { configureLogTransport, rendererLogLine } from '../../../src-main/shell/log-transport.js';

const dirs: string[] = [];
beforeEach(() => setLogLevel('debug'));
afterEach(() => {
  // The unit project runs silent (AERIE_LOG_LEVEL); the next test file starts afresh anyway.
  setLogLevel('error');
  setLogSink((line) => process.stderr.write(`${JSON.stringify(line)}\n`));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(maxBytes?: number) {
  const dir = mkdtempSync(join(tmpdir(), 'aerie-logs-'));
  dirs.push(dir);
  const log = electronLog.create({ logId: `test-${dirs.length}-${Date.now()}` });
  const t = configureLogTransport(log, { dir, ...(maxBytes !== undefined && { maxBytes }) });
  return { dir, log, ...t };
}

const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('electron-log transport', () => {
  it('writes the structured logger’s lines as JSON to <log dir>/main.log, redacted', () => {
    const { sink, file, dir } = setup();
    expect(file).toBe(join(dir, 'main.log'));
    setLogSink(sink);
    registerSecret('cluster-secret-0123456789');
    createLogger('shell').warn('agent joined with cluster-secret-0123456789', {
      authorization: 'Bearer abc.def',
      note: 'header was Bearer xyz123',
    });
    const [line] = lines(file);
    expect(line).toMatchObject({
      level: 'warn',
      category: 'shell',
      msg: 'agent joined with [redacted]',
      authorization: '[redacted]',
      note: 'header was Bearer [redacted]',
    });
    expect(readFileSync(file, 'utf8')).not.toContain('cluster-secret-0123456789');
  });

  it('redacts direct electron-log calls too (a dependency logging on its own)', () => {
    const { log, file } = setup();
    registerSecret('another-secret-abcdef');
    log.error('failed with another-secret-abcdef', { token: 'tok-1234' });
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('failed with [redacted]');
    expect(text).not.toContain('another-secret-abcdef');
    expect(text).not.toContain('tok-1234');
  });

  it('rotates to main.old.log when the file passes its size', () => {
    const { sink, file, dir } = setup(2000);
    setLogSink(sink);
    const logger = createLogger('shell');
    for (let i = 0; i < 40; i++) logger.info(`line ${i}`, { pad: 'x'.repeat(80) });
    expect(existsSync(join(dir, 'main.old.log'))).toBe(true);
    expect(readFileSync(file, 'utf8').length).toBeLessThanOrEqual(2200);
    expect(lines(file).at(-1)).toMatchObject({ msg: 'line 39' });
  });
});

describe('renderer console lines', () => {
  it('keeps warnings and errors of the page with where they came from, drops chatter', () => {
    expect(rendererLogLine('error', 'TypeError: x is undefined', 'index.js', 12)).toEqual({
      level: 'error',
      msg: 'renderer console',
      fields: { source: 'renderer', message: 'TypeError: x is undefined', at: 'index.js:12' },
    });
    expect(rendererLogLine('warning', 'w', 'a.js', 1)?.level).toBe('warn');
    expect(rendererLogLine('info', 'hello', 'a.js', 1)).toBeNull();
    expect(rendererLogLine('debug', 'hello', 'a.js', 1)).toBeNull();
  });
});
