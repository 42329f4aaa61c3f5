import { describe, expect, it } from 'vitest';
import type { PullProgress } from '../../src-main/agent/runtime/container-runtime.js';
import {
  PullProgressTracker,
  parsePullLine,
  pullError,
} from '../../src-main/agent/runtime/pull-progress.js';

const MB = 1024 * 1024;

function feed(lines: string[]): PullProgress[] {
  const t = new PullProgressTracker();
  const out: PullProgress[] = [];
  for (const l of lines) {
    const e = parsePullLine(l);
    const p = e && t.update(e);
    if (p) out.push(p);
  }
  return out;
}

describe('PullProgressTracker', () => {
  it('sums current/total over layers and moves to extracting once everything is downloaded', () => {
    const out = feed([
      '{"status":"Pulling from vllm/vllm-openai","id":"v0.11.0"}',
      '{"status":"Pulling fs layer","progressDetail":{},"id":"a"}',
      '{"status":"Already exists","progressDetail":{},"id":"c"}',
      `{"status":"Downloading","progressDetail":{"current":${10 * MB},"total":${100 * MB}},"id":"a"}`,
      `{"status":"Downloading","progressDetail":{"current":${50 * MB},"total":${100 * MB}},"id":"b"}`,
      `{"status":"Downloading","progressDetail":{"current":${100 * MB},"total":${100 * MB}},"id":"a"}`,
      '{"status":"Download complete","progressDetail":{},"id":"b"}',
      `{"status":"Extracting","progressDetail":{"current":${50 * MB},"total":${200 * MB}},"id":"a"}`,
      '{"status":"Pull complete","progressDetail":{},"id":"a"}',
    ]);
    expect(out.map((p) => [p.phase, p.percent, p.downloadedMb, p.totalMb])).toEqual([
      ['pulling image', 10, 10, 100],
      ['pulling image', 30, 60, 200],
      ['pulling image', 75, 150, 200],
      ['extracting image', 0, 200, 200],
      ['extracting image', 25, 200, 200],
      ['extracting image', 100, 200, 200],
    ]);
  });

  it('ignores events without ids or byte counts and does not repeat unchanged progress', () => {
    const out = feed([
      '{"status":"Downloading","id":"a"}',
      '{"stream":"Copying blob sha256:abc"}',
      'Trying to pull docker.io/library/x...',
      `{"status":"Downloading","progressDetail":{"current":1,"total":${2 * MB}},"id":"a"}`,
      `{"status":"Downloading","progressDetail":{"current":2,"total":${2 * MB}},"id":"a"}`,
    ]);
    expect(out).toEqual([{ phase: 'pulling image', downloadedMb: 0, totalMb: 2, percent: 0 }]);
  });
});

describe('pull stream errors', () => {
  it('finds the error of a line sent after the 200', () => {
    const e = parsePullLine(
      '{"errorDetail":{"message":"manifest unknown"},"error":"manifest unknown"}',
    );
    expect(e && pullError(e)).toBe('manifest unknown');
    const ok = parsePullLine('{"status":"Digest: sha256:abc"}');
    expect(ok && pullError(ok)).toBeNull();
  });

  it('falls back to the bare error field', () => {
    const e = parsePullLine('{"error":"pull access denied"}');
    expect(e && pullError(e)).toBe('pull access denied');
  });
});
