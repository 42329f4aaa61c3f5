import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type SimProcess, startSim } from '../helpers/sim-process.js';
import { waitFor } from '../helpers/wait.js';

const running: SimProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

async function start(args: string[], env: Record<string, string>): Promise<SimProcess> {
  const s = await startSim(args, { AERIE_SIM_SLEEP_WAKE_MS: '20', ...env });
  running.push(s);
  return s;
}

const post = (s: SimProcess, path: string, body?: unknown) =>
  fetch(`${s.baseUrl}${path}`, {
    method: 'POST',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
const isSleeping = async (s: SimProcess) =>
  ((await (await fetch(`${s.baseUrl}/is_sleeping`)).json()) as { is_sleeping: boolean })
    .is_sleeping;
const chat = { messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 };

/** A slow streaming chat: tokens keep coming until it is stopped or its 200 tokens are out. */
function slowStream(s: SimProcess): Promise<string> {
  return post(s, '/v1/chat/completions', { ...chat, max_tokens: 200, stream: true }).then((r) =>
    r.text(),
  );
}
const runningNow = async (s: SimProcess) =>
  /vllm:num_requests_running\{[^}]*\} 1\.0/.test(
    await (await fetch(`${s.baseUrl}/metrics`)).text(),
  );
const SLOW = { VLLM_SERVER_DEV_MODE: '1', AERIE_SIM_TOKENS_PER_S: '20', AERIE_SIM_TTFT_MS: '1' };

describe('vllm-sim sleep with requests in flight', () => {
  it('0.11 has no guard: /sleep answers 200, then the engine dies and the request with it', async () => {
    const s = await start(['m', '--enable-sleep-mode'], {
      ...SLOW,
      AERIE_SIM_VLLM_VERSION: '0.11.0',
    });
    const stream = slowStream(s);
    await waitFor(() => runningNow(s), 5000, 'the request to run');
    const slept = await post(s, '/sleep?level=1&mode=wait');
    expect(slept.status).toBe(200);
    expect(await s.exited).toBe(1);
    expect(await stream).toContain('"type":"InternalServerError"');
    expect(s.logs()).toContain(
      'RuntimeError: CUDA error: an illegal memory access was encountered',
    );
    expect(s.logs()).toContain('EngineDeadError');
  });

  it('current vLLM aborts them by default and queues requests sent while asleep until the wake-up', async () => {
    const s = await start(['m', '--enable-sleep-mode'], SLOW);
    const stream = slowStream(s);
    await waitFor(() => runningNow(s), 5000, 'the request to run');
    expect((await post(s, '/sleep?level=1')).status).toBe(200);
    const aborted = await stream;
    expect(aborted).toContain('"finish_reason":"abort"');
    expect(aborted.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(await isSleeping(s)).toBe(true);
    const metrics = await (await fetch(`${s.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/vllm:request_success_total\{[^}]*finished_reason="abort"[^}]*\} 1\.0/);
    expect(metrics).toMatch(/vllm:engine_sleep_state\{[^}]*sleep_state="weights_offloaded"\} 1\.0/);
    let answered = false;
    const later = post(s, '/v1/chat/completions', { ...chat, max_tokens: 1 }).then((r) => {
      answered = true;
      return r.json() as Promise<{ choices: { finish_reason: string }[] }>;
    });
    const waiting = async () =>
      /vllm:num_requests_waiting\{[^}]*\} 1\.0/.test(
        await (await fetch(`${s.baseUrl}/metrics`)).text(),
      );
    await waitFor(waiting, 5000, 'the later request to queue');
    expect(answered).toBe(false);
    expect((await post(s, '/wake_up')).status).toBe(200);
    expect((await later).choices[0]?.finish_reason).toBe('length');
    expect(s.proc.exitCode).toBeNull();
  });

  it('current vLLM with mode=wait lets the running request finish before it sleeps', async () => {
    const s = await start(['m', '--enable-sleep-mode'], { ...SLOW, AERIE_SIM_TOKENS_PER_S: '400' });
    const stream = slowStream(s);
    await waitFor(() => runningNow(s), 5000, 'the request to run');
    expect((await post(s, '/sleep?level=1&mode=wait')).status).toBe(200);
    const text = await stream;
    expect(text).toMatch(/"finish_reason":"(length|stop)"/);
    expect(text).not.toContain('"finish_reason":"abort"');
    expect((await post(s, '/sleep?level=1&mode=later')).status).toBe(400);
  });
});

const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

describe('vllm-sim host RAM while asleep', () => {
  it('holds the offloaded weights in RAM through a level-1 sleep by default and frees them on wake-up', async () => {
    const s = await start(['org/m-0.5B', '--enable-sleep-mode'], { VLLM_SERVER_DEV_MODE: '1' });
    const pid = s.proc.pid ?? 0;
    const weightsMb = (0.5e9 * 2) / 1024 ** 2;
    const awake = rssMb(pid);
    expect((await post(s, '/sleep?level=1')).status).toBe(200);
    expect(rssMb(pid) - awake).toBeGreaterThan(0.9 * weightsMb);
    expect((await post(s, '/wake_up')).status).toBe(200);
    await waitFor(() => rssMb(pid) - awake < 0.3 * weightsMb, 5000, 'the RAM to be freed');
  });

  it('never holds more than the GPU share it was given, holds nothing at level 2, and takes the override', async () => {
    // 8B weights (15 GiB) cannot have fitted in 1 % of an 80 GiB GPU: that share (0.8 GiB) is held.
    const capped = await start(
      ['org/m-8B', '--enable-sleep-mode', '--gpu-memory-utilization', '0.01'],
      { VLLM_SERVER_DEV_MODE: '1', AERIE_SIM_GPU_MEM_GIB: '80' },
    );
    const pid = capped.proc.pid ?? 0;
    const before = rssMb(pid);
    expect((await post(capped, '/sleep?level=1')).status).toBe(200);
    const held = rssMb(pid) - before;
    expect(held).toBeGreaterThan(0.9 * 819);
    expect(held).toBeLessThan(819 + 300);
    const deep = await start(['org/m-0.5B', '--enable-sleep-mode'], { VLLM_SERVER_DEV_MODE: '1' });
    const deepPid = deep.proc.pid ?? 0;
    const deepBefore = rssMb(deepPid);
    expect((await post(deep, '/sleep?level=2')).status).toBe(200);
    expect(rssMb(deepPid) - deepBefore).toBeLessThan(200);
    const fixed = await start(['org/m-0.5B', '--enable-sleep-mode'], {
      VLLM_SERVER_DEV_MODE: '1',
      AERIE_SIM_SLEEP_HOST_RAM_MB: '300',
    });
    const fixedPid = fixed.proc.pid ?? 0;
    const fixedBefore = rssMb(fixedPid);
    expect((await post(fixed, '/sleep?level=1')).status).toBe(200);
    const fixedHeld = rssMb(fixedPid) - fixedBefore;
    expect(fixedHeld).toBeGreaterThan(270);
    expect(fixedHeld).toBeLessThan(600);
  });
});

describe('vllm-sim sleep mode', () => {
  it('has no sleep routes without VLLM_SERVER_DEV_MODE=1, even with --enable-sleep-mode', async () => {
    const s = await start(['m', '--enable-sleep-mode'], {});
    expect((await post(s, '/sleep?level=1')).status).toBe(404);
    expect((await fetch(`${s.baseUrl}/is_sleeping`)).status).toBe(404);
  });

  it('answers /sleep 200 in dev mode without --enable-sleep-mode, as vLLM does, having freed nothing', async () => {
    const s = await start(['m'], { VLLM_SERVER_DEV_MODE: '1' });
    const r = await post(s, '/sleep?level=1');
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('');
    expect(await isSleeping(s)).toBe(false);
    expect(s.logs()).toContain('Sleep mode freed 0.00 GiB memory');
    expect((await post(s, '/wake_up')).status).toBe(200);
    expect((await post(s, '/v1/chat/completions', chat)).status).toBe(200);
  });

  it('sleeps and wakes with empty 200 bodies, keeps /health and /tokenize up, and mirrors it in the status file', async () => {
    const stateFile = join(mkdtempSync(join(tmpdir(), 'aerie-sim-state-')), 'state.json');
    const s = await start(['org/m-8B', '--enable-sleep-mode', '--gpu-memory-utilization', '0.5'], {
      VLLM_SERVER_DEV_MODE: '1',
      AERIE_SIM_STATE_FILE: stateFile,
      AERIE_SIM_ASLEEP_REQUESTS: '503',
      // An 8B model would hold 15 GiB of real RAM while asleep; this test is about the routes.
      AERIE_SIM_SLEEP_HOST_RAM_MB: '0',
    });
    const state = () => JSON.parse(readFileSync(stateFile, 'utf8')) as Record<string, unknown>;
    expect(state()).toMatchObject({
      pid: s.proc.pid,
      port: s.port,
      model: 'org/m-8B',
      phase: 'ready',
      sleeping: false,
      gpu_memory_utilization: 0.5,
      running_requests: 0,
    });
    const slept = await post(s, '/sleep?level=1');
    expect(slept.status).toBe(200);
    expect(await slept.text()).toBe('');
    expect(await isSleeping(s)).toBe(true);
    expect(state()).toMatchObject({ sleeping: true, sleep_level: 1 });
    expect((await fetch(`${s.baseUrl}/health`)).status).toBe(200);
    expect((await post(s, '/tokenize', { prompt: 'still works' })).status).toBe(200);
    const asleep = await post(s, '/v1/chat/completions', chat);
    expect(asleep.status).toBe(503);
    expect((await post(s, '/reset_prefix_cache')).status).toBe(200);

    expect((await post(s, '/wake_up?tags=weights')).status).toBe(200);
    expect(await isSleeping(s)).toBe(true);
    expect((await post(s, '/wake_up?tags=kv_cache')).status).toBe(200);
    expect(await isSleeping(s)).toBe(false);
    expect(state()).toMatchObject({ sleeping: false, sleep_level: null });
    expect(s.logs()).toContain("wake up the engine with tags: ['weights']");
    expect((await post(s, '/v1/chat/completions', chat)).status).toBe(200);
  });

  it('holds a generation sent while asleep until wake-up in hang mode', async () => {
    const s = await start(['m', '--enable-sleep-mode'], {
      VLLM_SERVER_DEV_MODE: '1',
      AERIE_SIM_ASLEEP_REQUESTS: 'hang',
      AERIE_SIM_TTFT_MS: '1',
    });
    await post(s, '/sleep?level=2');
    let answered = false;
    const pending = post(s, '/v1/chat/completions', chat).then((r) => {
      answered = true;
      return r.status;
    });
    const waiting = async () =>
      /vllm:num_requests_waiting\{[^}]*\} 1\.0/.test(
        await (await fetch(`${s.baseUrl}/metrics`)).text(),
      );
    await waitFor(waiting, 5000, 'the request to queue');
    expect(answered).toBe(false);
    await post(s, '/wake_up');
    expect(await pending).toBe(200);
  });

  it('dies like real vLLM 0.11 when a generation reaches a sleeping engine (its default)', async () => {
    const s = await start(['m', '--enable-sleep-mode'], {
      VLLM_SERVER_DEV_MODE: '1',
      AERIE_SIM_VLLM_VERSION: '0.11.0',
    });
    await post(s, '/sleep');
    const r = await post(s, '/v1/chat/completions', chat);
    expect(r.status).toBe(500);
    expect(await s.exited).toBe(1);
    expect(s.logs()).toContain('CUDA error: an illegal memory access was encountered');
    expect(s.logs()).toContain(
      'EngineCore encountered an issue. See stack trace (above) for the root cause.',
    );
  });
});
