import type { SimContext } from './sim-context.js';

const INTERVAL_MS = 10_000;

/**
 * vLLM's periodic "Engine 000: Avg prompt throughput …" line, printed every 10 s while there was
 * traffic in the window (vLLM logs it at debug level when idle). Returns a stop function.
 */
export function startStatsLogger(ctx: SimContext): () => void {
  let lastPrompt = ctx.metrics.promptTokens.value;
  let lastGen = ctx.metrics.generationTokens.value;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const secs = (now - last) / 1000;
    const prompt = ctx.metrics.promptTokens.value - lastPrompt;
    const gen = ctx.metrics.generationTokens.value - lastGen;
    const running = ctx.engine.runningCount;
    const waiting = ctx.engine.waitingCount;
    lastPrompt += prompt;
    lastGen += gen;
    last = now;
    if (prompt === 0 && gen === 0 && running === 0 && waiting === 0) return;
    const kv = (ctx.engine.kvUsage() * 100).toFixed(1);
    ctx.log.info(
      'APIServer',
      'loggers.py:127',
      `Engine 000: Avg prompt throughput: ${(prompt / secs).toFixed(1)} tokens/s, Avg generation throughput: ${(gen / secs).toFixed(1)} tokens/s, ` +
        `Running: ${running} reqs, Waiting: ${waiting} reqs, GPU KV cache usage: ${kv}%, Prefix cache hit rate: 0.0%`,
    );
  }, INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
