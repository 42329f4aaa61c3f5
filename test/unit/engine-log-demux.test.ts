import { describe, expect, it } from 'vitest';
import { LogDemuxer, parseTimestampedLine } from '../../src-main/agent/runtime/log-demux.js';

function frame(stream: number, payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

describe('LogDemuxer', () => {
  it('separates stdout and stderr frames into lines', () => {
    const d = new LogDemuxer();
    const lines = d.push(Buffer.concat([frame(1, 'out one\nout two\n'), frame(2, 'err one\n')]));
    expect(lines).toEqual([
      { stream: 'stdout', line: 'out one' },
      { stream: 'stdout', line: 'out two' },
      { stream: 'stderr', line: 'err one' },
    ]);
  });

  it('joins a line split across frames while the other stream interleaves', () => {
    const d = new LogDemuxer();
    const lines = [
      ...d.push(frame(2, 'Loading wei')),
      ...d.push(frame(1, 'ready\n')),
      ...d.push(frame(2, 'ghts took 3s\n')),
    ];
    expect(lines).toEqual([
      { stream: 'stdout', line: 'ready' },
      { stream: 'stderr', line: 'Loading weights took 3s' },
    ]);
  });

  it('handles headers and payloads cut at arbitrary chunk boundaries', () => {
    const all = Buffer.concat([
      frame(1, 'alpha\nbeta\n'),
      frame(2, 'gamma\n'),
      frame(1, 'delta\n'),
    ]);
    for (let size = 1; size <= all.length; size++) {
      const d = new LogDemuxer();
      const got: string[] = [];
      for (let i = 0; i < all.length; i += size)
        got.push(...d.push(all.subarray(i, i + size)).map((l) => `${l.stream}:${l.line}`));
      expect(got).toEqual(['stdout:alpha', 'stdout:beta', 'stderr:gamma', 'stdout:delta']);
    }
  });

  it('decodes a UTF-8 character split across two frames', () => {
    const bytes = Buffer.from('température 25°C\n', 'utf8');
    const cut = bytes.indexOf(0xc2) + 1; // inside the two-byte '°'
    const d = new LogDemuxer();
    const lines = [
      ...d.push(frame(1, bytes.subarray(0, cut))),
      ...d.push(frame(1, bytes.subarray(cut))),
    ];
    expect(lines).toEqual([{ stream: 'stdout', line: 'température 25°C' }]);
  });

  it('returns the unterminated last line on flush and strips carriage returns', () => {
    const d = new LogDemuxer();
    expect(d.push(frame(2, 'progress 10%\r\nprogress 20%'))).toEqual([
      { stream: 'stderr', line: 'progress 10%' },
    ]);
    expect(d.flush()).toEqual([{ stream: 'stderr', line: 'progress 20%' }]);
    expect(d.flush()).toEqual([]);
  });

  it('drops the timestamp of a continuation piece when the engine stamps every piece of a line', () => {
    const d = new LogDemuxer(false, true);
    const lines = [
      ...d.push(frame(2, '2026-11-28T14:19:32Z first half ')),
      ...d.push(frame(1, '2026-11-28T14:19:32Z tick 0\n')),
      ...d.push(frame(2, '2026-11-28T14:19:33Z second half\n')),
      ...d.push(frame(2, '2026-11-28T14:19:34Z next line\n')),
    ];
    expect(lines.map((l) => l.line)).toEqual([
      '2026-11-28T14:19:32Z tick 0',
      '2026-11-28T14:19:32Z first half second half',
      '2026-11-28T14:19:34Z next line',
    ]);
  });

  it('treats a raw (TTY) stream as stdout without headers', () => {
    const d = new LogDemuxer(true);
    expect(d.push(Buffer.from('a\nb\n'))).toEqual([
      { stream: 'stdout', line: 'a' },
      { stream: 'stdout', line: 'b' },
    ]);
  });
});

describe('parseTimestampedLine', () => {
  it('splits the RFC 3339 nano timestamp from the text', () => {
    expect(
      parseTimestampedLine(
        { stream: 'stderr', line: '2025-01-02T03:04:05.123456789Z INFO started' },
        'x',
      ),
    ).toEqual({
      ts: '2025-01-02T03:04:05.123456789Z',
      stream: 'stderr',
      text: 'INFO started',
    });
  });

  it('accepts second-precision timestamps (Podman 4) and keeps a line without one', () => {
    expect(
      parseTimestampedLine({ stream: 'stdout', line: '2026-11-28T14:12:46Z hi' }, 'x').ts,
    ).toBe('2026-11-28T14:12:46Z');
    expect(parseTimestampedLine({ stream: 'stdout', line: 'no stamp' }, 'fallback')).toEqual({
      ts: 'fallback',
      stream: 'stdout',
      text: 'no stamp',
    });
  });
});
