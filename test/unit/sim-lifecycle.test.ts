import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseServeArgs, type ServeArgs } from '../../src-main/sim/serve-args.js';
import { SimLifecycle } from '../../src-main/sim/sim-lifecycle.js';
import { VllmLog } from '../../src-main/sim/vllm-log.js';

let dir: string;
let stateFile: string;
let signals: EventEmitter;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sim-lifecycle-'));
  stateFile = join(dir, 'state.json');
  signals = new EventEmitter();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function args(): ServeArgs {
  const r = parseServeArgs(['Qwen/Qwen3-8B', '--port', '8123', '--served-model-name', 'q']);
  if (r.kind !== 'ok') throw new Error('bad test args');
  return r.args;
}

function lifecycle(): SimLifecycle {
  const log = new VllmLog({ write: () => undefined }, 1, false);
  const life = new SimLifecycle(args(), stateFile, log);
  life.trapSignals(signals);
  return life;
}

/** A stop function that stays pending until `release()`; `calls` counts how often it ran. */
function pendingStop() {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const stop = { calls: 0, release: () => release(), fn: () => (stop.calls++, gate) };
  return stop;
}

const settled = async (p: Promise<number>) => {
  let done = false;
  void p.then(() => (done = true));
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return done;
};

describe('vllm-sim lifecycle', () => {
  it('writes the phase, port and model to the status file', () => {
    const life = lifecycle();
    life.setPhase('compiling');
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toMatchObject({
      phase: 'compiling',
      port: 8123,
      model: 'Qwen/Qwen3-8B',
      served_model_name: 'q',
      sleeping: false,
      running_requests: 0,
    });
  });

  it('exits 0 at once on SIGTERM while loading, removing the status file and its handlers', async () => {
    const life = lifecycle();
    life.writeStatus();
    signals.emit('SIGTERM');
    expect(await life.exited).toBe(0);
    expect(existsSync(stateFile)).toBe(false);
    expect(signals.listenerCount('SIGTERM') + signals.listenerCount('SIGINT')).toBe(0);
  });

  it('closes the server before it exits 0 on SIGINT while serving', async () => {
    const life = lifecycle();
    const stop = pendingStop();
    life.serving(stop.fn);
    signals.emit('SIGINT');
    expect(stop.calls).toBe(1);
    expect(await settled(life.exited)).toBe(false);
    stop.release();
    expect(await life.exited).toBe(0);
  });

  it('exits 0 at once on a second signal while the server is closing', async () => {
    const life = lifecycle();
    const stop = pendingStop();
    life.serving(stop.fn);
    signals.emit('SIGTERM');
    signals.emit('SIGTERM');
    expect(await life.exited).toBe(0);
    expect(stop.calls).toBe(1);
  });

  it('closes the server and exits 1 after an engine crash', async () => {
    const life = lifecycle();
    const stop = pendingStop();
    life.serving(stop.fn);
    life.exitAfterCrash();
    stop.release();
    expect(await life.exited).toBe(1);
  });

  it('leaves a signal-started shutdown alone when the engine crashes during it', async () => {
    const life = lifecycle();
    const stop = pendingStop();
    life.serving(stop.fn);
    signals.emit('SIGTERM');
    life.exitAfterCrash();
    stop.release();
    expect(await life.exited).toBe(0);
    expect(stop.calls).toBe(1);
  });

  it('ends once: the first exit code wins', async () => {
    const life = lifecycle();
    life.end(1);
    life.end(0);
    expect(await life.exited).toBe(1);
  });
});
