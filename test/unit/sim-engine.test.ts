import { offloadedWeightsMb } from '../../src-main/sim/sleep-host-ram.js';
import { describe, expect, it } from 'vitest';
import { type Job, SimEngine, type TokenEvent } from '../../src-main/sim/engine.js';
import { fixedPlan, type GenPlan } from '../../src-main/sim/text-generator.js';
import { VllmMetrics } from '../../src-main/sim/vllm-metrics.js';
import { waitFor } from '../helpers/wait.js';

const metricsFor = () =>
  new VllmMetrics({
    modelName: 'm',
    maxModelLen: 4096,
    gpuMemoryUtilization: 0.9,
    cacheDtype: 'auto',
    enablePrefixCaching: true,
    numGpuBlocks: 10,
    maxLoras: null,
    absentFamilies: ['vllm:engine_sleep_state'],
  });
const words = (n: number) => Array.from({ length: n }, (_, i) => ` w${i}`);
const plan = (n: number): GenPlan => fixedPlan(words(n), 'length', null);

interface Tracked {
  job: Job;
  events: TokenEvent[];
  done: boolean;
  failed: string | null;
}

function track(tokens: number, stream: boolean, promptTokens = 5): Tracked {
  const t: Tracked = { events: [], done: false, failed: null, job: null as unknown as Job };
  t.job = {
    promptTokens,
    plans: [plan(tokens)],
    maxTokens: tokens,
    stream,
    onTokens: (e) => t.events.push(...e),
    onDone: () => (t.done = true),
    onFail: (m) => (t.failed = m),
  };
  return t;
}

describe('simulated engine', () => {
  it('finishes an instant request synchronously and records it', () => {
    const m = metricsFor();
    const e = new SimEngine({ tokensPerS: 0, ttftMs: 0, maxNumSeqs: 4, kvCapacityTokens: 1000 }, m);
    const t = track(3, false);
    e.submit(t.job);
    expect(t.done).toBe(true);
    expect(m.promptTokens.value).toBe(5);
    expect(m.generationTokens.value).toBe(3);
    expect(m.success.length.value).toBe(1);
    expect(e.runningCount).toBe(0);
  });

  it('streams every token in order and marks the last one', async () => {
    const e = new SimEngine(
      { tokensPerS: 2000, ttftMs: 2, maxNumSeqs: 4, kvCapacityTokens: 1000 },
      metricsFor(),
    );
    const t = track(20, true);
    e.submit(t.job);
    expect(e.runningCount).toBe(1);
    await waitFor(() => t.done, 3000, 'the request to finish');
    expect(t.events.map((ev) => ev.text)).toEqual(words(20));
    expect(t.events.map((ev) => ev.last)).toEqual([...new Array<boolean>(19).fill(false), true]);
    expect(e.runningCount).toBe(0);
  });

  it('queues requests beyond max_num_seqs and admits them as others finish', async () => {
    const m = metricsFor();
    const e = new SimEngine(
      { tokensPerS: 1000, ttftMs: 5, maxNumSeqs: 2, kvCapacityTokens: 1000 },
      m,
    );
    const jobs = [track(10, false), track(10, false), track(10, false)];
    for (const j of jobs) e.submit(j.job);
    expect(e.runningCount).toBe(2);
    expect(e.waitingCount).toBe(1);
    expect(m.waiting.value).toBe(1);
    await waitFor(() => jobs.every((j) => j.done), 3000, 'every request to finish');
    expect(e.waitingCount).toBe(0);
    expect(m.success.length.value).toBe(3);
  });

  it('counts an aborted request as finished_reason abort and frees its slot', () => {
    const m = metricsFor();
    const e = new SimEngine(
      { tokensPerS: 10, ttftMs: 1000, maxNumSeqs: 1, kvCapacityTokens: 1000 },
      m,
    );
    const a = track(10, true);
    const b = track(10, true);
    const ha = e.submit(a.job);
    e.submit(b.job);
    expect(e.waitingCount).toBe(1);
    ha.abort();
    ha.abort();
    expect(m.success.abort.value).toBe(1);
    expect(e.runningCount).toBe(1);
    expect(e.waitingCount).toBe(0);
    expect(a.done).toBe(false);
    e.kill('dead');
  });

  it('reports KV-cache use of the running requests', () => {
    const e = new SimEngine(
      { tokensPerS: 10, ttftMs: 10_000, maxNumSeqs: 4, kvCapacityTokens: 100 },
      metricsFor(),
    );
    e.submit(track(10, true, 25).job);
    expect(e.kvUsage()).toBeCloseTo(0.25);
    e.kill('dead');
    expect(e.kvUsage()).toBe(0);
  });

  it('holds new work while paused and runs it on resume', async () => {
    const e = new SimEngine(
      { tokensPerS: 0, ttftMs: 1, maxNumSeqs: 4, kvCapacityTokens: 100 },
      metricsFor(),
    );
    e.pause();
    const t = track(2, false);
    e.submit(t.job);
    expect(e.waitingCount).toBe(1);
    e.resume();
    await waitFor(() => t.done, 3000, 'the request to finish');
  });

  it('fails queued, running and later jobs once killed', () => {
    const e = new SimEngine(
      { tokensPerS: 1, ttftMs: 10_000, maxNumSeqs: 1, kvCapacityTokens: 100 },
      metricsFor(),
    );
    const a = track(2, true);
    const b = track(2, false);
    e.submit(a.job);
    e.submit(b.job);
    e.kill('EngineCore died');
    const c = track(2, false);
    e.submit(c.job);
    expect([a.failed, b.failed, c.failed]).toEqual([
      'EngineCore died',
      'EngineCore died',
      'EngineCore died',
    ]);
    expect(e.runningCount + e.waitingCount).toBe(0);
  });
});

describe('offloadedWeightsMb', () => {
  it('is the weights of every rank, capped by the GPU share, unless overridden', () => {
    expect(offloadedWeightsMb(null, 1, 80, 0.5, 1)).toBe(1024);
    expect(offloadedWeightsMb(null, 1, 80, 0.5, 2)).toBe(2048);
    expect(offloadedWeightsMb(null, 15, 80, 0.01, 1)).toBe(Math.round(0.8 * 1024));
    expect(offloadedWeightsMb(300, 15, 80, 0.9, 1)).toBe(300);
    expect(offloadedWeightsMb(0, 15, 80, 0.9, 1)).toBe(0);
  });
});
