import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogRegistry } from '../../src-main/agent/logs/log-registry.js';
import { LOG_TAIL_LINES } from '../../src-main/agent/logs/log-store.js';

const KEY = 'Qwen/Qwen3-8B:8001';
const FILE = 'Qwen--Qwen3-8B-8001.log';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'agent-logs-'));
});
const opened: LogRegistry[] = [];
afterEach(() => {
  // Pending batched writes must land before the directory goes, or they would recreate it.
  for (const r of opened.splice(0)) r.flushAll();
  rmSync(dir, { recursive: true, force: true });
});

const ts = (second: number, frac = '') =>
  `2026-05-01T10:00:${String(second).padStart(2, '0')}${frac}Z`;

async function readAll(stream: Readable): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += (chunk as Buffer).toString('utf8');
  return out;
}

function registry(maxBytes = 1024 * 1024, now = () => Date.UTC(2026, 4, 1, 12)) {
  const r = new LogRegistry({ dir, maxBytes, retentionDays: 14, now });
  opened.push(r);
  return r;
}

describe('LogStore', () => {
  it('keeps formatted lines in memory and on disk, dropping probe noise', () => {
    const store = registry().startRun(KEY, 'docker');
    store.ingest(ts(1), '\x1b[32mINFO\x1b[0m Starting vLLM API server');
    store.ingest(ts(2), 'INFO:     127.0.0.1:5000 - "GET /health HTTP/1.1" 200 OK');
    store.ingest(ts(3), 'INFO:     10.0.0.9:5000 - "POST /v1/chat/completions HTTP/1.1" 200 OK');
    store.flush();
    const expected = [
      '[2026-05-01 10:00:01] INFO Starting vLLM API server',
      '[2026-05-01 10:00:03] INFO:     10.0.0.9:5000 - "POST /v1/chat/completions HTTP/1.1" 200 OK',
    ];
    expect(store.tail(100)).toEqual(expected);
    expect(readFileSync(join(dir, FILE), 'utf8')).toBe(`${expected.join('\n')}\n`);
  });

  it('clamps tail to 1..2000 and keeps only the last 2000 lines', () => {
    const store = registry().startRun(KEY, 'docker');
    for (let i = 0; i < 2500; i++) store.write(`line ${i}`);
    expect(store.tail(5)).toHaveLength(5);
    expect(store.tail(0)).toEqual([expect.stringContaining('line 2499')]);
    expect(store.tail(-3)).toHaveLength(1);
    const all = store.tail(1_000_000);
    expect(all).toHaveLength(LOG_TAIL_LINES);
    expect(all[0]).toContain('line 500');
    expect(all.at(-1)).toContain('line 2499');
  });

  it('tags agent lines, writing [podman] for docker-tagged lines of a Podman deployment', () => {
    const reg = registry();
    const podman = reg.startRun('m:1', 'podman');
    podman.write('pulling image', 'docker');
    podman.write('launching');
    const docker = reg.startRun('m:2', 'docker');
    docker.write('pulling image', 'docker');
    expect(podman.tail(10)).toEqual([
      '[2026-05-01 12:00:00] [podman] pulling image',
      '[2026-05-01 12:00:00] [agent] launching',
    ]);
    expect(docker.tail(10)).toEqual(['[2026-05-01 12:00:00] [docker] pulling image']);
  });

  it('never keeps secret env values, in agent lines or runtime lines, in memory or on disk', () => {
    const store = registry().startRun(KEY, 'docker');
    const secret = 'hf_verysecrettokenvalue42';
    store.setSecretEnv({ HF_TOKEN: secret, MY_PASSWORD: 'pw-short', PLAIN: 'visible-plain' });
    store.write(`Launching with HF_TOKEN=${secret} MY_PASSWORD=pw-short PLAIN=visible-plain`);
    store.ingest(ts(5), `echoing ${secret}`);
    store.flush();
    const text = [...store.tail(10), readFileSync(join(dir, FILE), 'utf8')].join('\n');
    expect(text).not.toContain(secret);
    expect(text).not.toContain('pw-short');
    expect(text).toContain('hf_v...ue42');
    expect(text).toContain('********');
    expect(text).toContain('visible-plain');
  });

  it('moves the previous run to .1 when a new run starts', () => {
    const reg = registry();
    const first = reg.startRun(KEY, 'docker');
    first.write('first run');
    first.flush();
    const second = reg.startRun(KEY, 'docker');
    second.write('second run');
    second.flush();
    expect(readFileSync(join(dir, `${FILE}.1`), 'utf8')).toContain('first run');
    expect(readFileSync(join(dir, FILE), 'utf8')).not.toContain('first run');
    expect(second.tail(10)).toEqual([expect.stringContaining('second run')]);
  });

  it('moves active content to .0 at the size cap and downloads .0 then the active part, in order', async () => {
    const store = registry(200).startRun(KEY, 'docker');
    for (let i = 0; i < 20; i++) {
      store.ingest(ts(i), `line-${String(i).padStart(2, '0')} ${'x'.repeat(30)}`);
      store.flush();
    }
    expect(existsSync(join(dir, `${FILE}.0`))).toBe(true);
    expect(readFileSync(join(dir, FILE)).length).toBeLessThanOrEqual(200);
    const text = await readAll(store.download());
    const order = [...text.matchAll(/line-(\d\d)/g)].map((m) => Number(m[1]));
    expect(order).toEqual([...Array(20).keys()]);
  });

  it('folds the overflow part into .1 on the next run, so a download holds only the current run', async () => {
    const reg = registry(200);
    const first = reg.startRun(KEY, 'docker');
    for (let i = 0; i < 10; i++) {
      first.ingest(ts(i), `old-${i} ${'y'.repeat(40)}`);
      first.flush();
    }
    const second = reg.startRun(KEY, 'docker');
    second.write('new run');
    const text = await readAll(second.download());
    expect(text).not.toContain('old-');
    expect(text).toContain('new run');
    const previous = readFileSync(join(dir, `${FILE}.1`), 'utf8');
    expect([...previous.matchAll(/old-(\d)/g)].map((m) => Number(m[1]))).toEqual([
      ...Array(10).keys(),
    ]);
  });

  it('resumes after an agent restart without duplicating lines the restarted stream repeats', () => {
    const before = registry().startRun(KEY, 'docker');
    before.ingest(ts(1, '.100'), 'one');
    before.ingest(ts(1, '.200'), 'two');
    before.ingest(ts(2), 'three');
    before.flush();
    expect(readFileSync(join(dir, `${FILE}.pos`), 'utf8').trim()).toBe(ts(2));

    const after = registry().resume(KEY, 'docker');
    expect(after.tail(10).map((l) => l.slice(22))).toEqual(['one', 'two', 'three']);
    expect(after.resumeSinceUnixSeconds()).toBe(Math.floor(Date.parse(ts(2)) / 1000));
    // The runtime replays from the start of that second (and earlier), then new lines follow.
    expect(after.ingest(ts(1, '.200'), 'two')).toBe(false);
    expect(after.ingest(ts(2), 'three')).toBe(false);
    expect(after.ingest(ts(3), 'four')).toBe(true);
    after.flush();
    const lines = readFileSync(join(dir, FILE), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.slice(22));
    expect(lines).toEqual(['one', 'two', 'three', 'four']);
  });

  it('keeps lines that share a timestamp within one live stream', () => {
    const store = registry().startRun(KEY, 'process');
    expect(store.resumeSinceUnixSeconds()).toBeUndefined();
    expect(store.ingest('2026-05-01T10:00:01.123Z', 'a')).toBe(true);
    expect(store.ingest('2026-05-01T10:00:01.123Z', 'b')).toBe(true);
    expect(store.tail(10)).toHaveLength(2);
  });

  it('deletes log files untouched for the retention period at start and keeps recent ones', async () => {
    const now = Date.UTC(2026, 4, 30);
    const old = now / 1000 - 15 * 86400;
    for (const name of ['old-1.log', 'old-1.log.0', 'old-1.log.1', 'old-1.log.pos', 'keep.txt']) {
      writeFileSync(join(dir, name), 'x');
      utimesSync(join(dir, name), old, old);
    }
    writeFileSync(join(dir, 'fresh-2.log'), 'x');
    utimesSync(join(dir, 'fresh-2.log'), now / 1000 - 86400, now / 1000 - 86400);
    const removed = await registry(1024, () => now).cleanup();
    expect(removed.sort()).toEqual(['old-1.log', 'old-1.log.0', 'old-1.log.1', 'old-1.log.pos']);
    expect(existsSync(join(dir, 'fresh-2.log'))).toBe(true);
    expect(existsSync(join(dir, 'keep.txt'))).toBe(true);
  });

  it('refuses a malformed deployment key', () => {
    expect(() => registry().startRun('no-port', 'docker')).toThrow(/<model>:<port>/);
  });
});
