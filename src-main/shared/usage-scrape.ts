// Turns successive scrapes of one vLLM's `/metrics` into the `usage` object of behaviour.md §5.5.
// Pure: the agent keeps the returned state per deployment and passes it back on the next scrape.

import { sumSeries, type PromExposition } from './prometheus.js';
import type { DeploymentUsage } from './agent-protocol/deployments.js';
import { ITL_METRICS } from './vllm-versions.js';

/** Cumulative values read from one scrape. */
export interface UsageSnapshot {
  prompt_tokens: number;
  generation_tokens: number;
  requests: number;
  prefill_sum: number;
  decode_sum: number;
  ttft_sum: number;
  tpot_sum: number;
  tpot_count: number;
}

export interface UsageScrapeState {
  /** Snapshot taken after the first completed request(s); speeds are measured from here. */
  baseline: UsageSnapshot | null;
  last: UsageSnapshot | null;
  /** Epoch milliseconds of `last`. */
  last_at: number | null;
  /** Kept so the speeds never vanish between bursts of traffic. */
  prompt_tps: number | null;
  generation_tps: number | null;
}

/** State before the first scrape of a deployment. */
export const INITIAL_USAGE_STATE: UsageScrapeState = {
  baseline: null,
  last: null,
  last_at: null,
  prompt_tps: null,
  generation_tps: null,
};

const round1 = (n: number) => Math.round(n * 10) / 10;

function histogram(expo: PromExposition, base: string, part: 'sum' | 'count'): number {
  return sumSeries(expo, `vllm:${base}_${part}`) ?? 0;
}

function snapshot(expo: PromExposition): UsageSnapshot | null {
  const prompt = sumSeries(expo, 'vllm:prompt_tokens_total');
  const generation = sumSeries(expo, 'vllm:generation_tokens_total');
  const requests = sumSeries(expo, 'vllm:request_success_total');
  if (prompt === null && generation === null && requests === null) return null;
  // The 0.11 line exposes time-per-output-token, current lines only inter-token latency
  // (shared/vllm-versions.ts): take the first the server has, so every line is read alike.
  const tpotFamily =
    ITL_METRICS.find((name) => expo.byName.has(`${name}_sum`)) ??
    'vllm:inter_token_latency_seconds';
  const tpotBase = tpotFamily.slice('vllm:'.length);
  return {
    prompt_tokens: prompt ?? 0,
    generation_tokens: generation ?? 0,
    requests: requests ?? 0,
    prefill_sum: histogram(expo, 'request_prefill_time_seconds', 'sum'),
    decode_sum: histogram(expo, 'request_decode_time_seconds', 'sum'),
    ttft_sum: histogram(expo, 'time_to_first_token_seconds', 'sum'),
    tpot_sum: histogram(expo, tpotBase, 'sum'),
    tpot_count: histogram(expo, tpotBase, 'count'),
  };
}

const wentBackwards = (now: UsageSnapshot, before: UsageSnapshot) =>
  now.prompt_tokens < before.prompt_tokens ||
  now.generation_tokens < before.generation_tokens ||
  now.requests < before.requests;

function speeds(
  cur: UsageSnapshot,
  base: UsageSnapshot,
): { prompt: number | null; generation: number | null } {
  const dPrompt = cur.prompt_tokens - base.prompt_tokens;
  const dGen = cur.generation_tokens - base.generation_tokens;
  const dPrefill = cur.prefill_sum - base.prefill_sum;
  const dTtft = cur.ttft_sum - base.ttft_sum;
  const dDecode = cur.decode_sum - base.decode_sum;
  const dTpotSum = cur.tpot_sum - base.tpot_sum;
  const dTpotCount = cur.tpot_count - base.tpot_count;
  let prompt: number | null = null;
  // TTFT includes queue wait, so the fallback is a lower bound on the prefill speed.
  if (dPrompt > 0 && dPrefill > 0) prompt = dPrompt / dPrefill;
  else if (dPrompt > 0 && dTtft > 0) prompt = dPrompt / dTtft;
  let generation: number | null = null;
  if (dGen > 0 && dDecode > 0) generation = dGen / dDecode;
  else if (dTpotCount > 0 && dTpotSum > 0) generation = dTpotCount / dTpotSum;
  return {
    prompt: prompt === null ? null : round1(prompt),
    generation: generation === null ? null : round1(generation),
  };
}

/**
 * Computes a deployment's usage from one parsed scrape taken at `now` (epoch ms). Returns
 * `usage: null` and the unchanged state when the scrape has none of vLLM's counters, so a bad
 * or empty scrape never reports zeros.
 */
export function computeUsage(
  prev: UsageScrapeState,
  expo: PromExposition,
  now: number,
): { usage: DeploymentUsage | null; state: UsageScrapeState } {
  const cur = snapshot(expo);
  if (cur === null) return { usage: null, state: prev };

  const reset = prev.last !== null && wentBackwards(cur, prev.last);
  let baseline = reset ? null : prev.baseline;
  // The first completed request carries vLLM's warm-up (graph capture, compile): exclude it.
  if (baseline === null && cur.requests >= 1) baseline = cur;

  let promptTps = prev.prompt_tps;
  let generationTps = prev.generation_tps;
  if (baseline !== null) {
    const s = speeds(cur, baseline);
    promptTps = s.prompt ?? promptTps;
    generationTps = s.generation ?? generationTps;
  }

  const usage: DeploymentUsage = {
    prompt_tokens: Math.round(cur.prompt_tokens),
    generation_tokens: Math.round(cur.generation_tokens),
    requests: Math.round(cur.requests),
  };
  const running = sumSeries(expo, 'vllm:num_requests_running');
  const waiting = sumSeries(expo, 'vllm:num_requests_waiting');
  if (running !== null) usage.requests_running = Math.round(running);
  if (waiting !== null) usage.requests_waiting = Math.round(waiting);
  if (promptTps !== null) usage.prompt_tps = promptTps;
  if (generationTps !== null) usage.generation_tps = generationTps;

  if (!reset && prev.last !== null && prev.last_at !== null && now > prev.last_at) {
    const dPrompt = cur.prompt_tokens - prev.last.prompt_tokens;
    const dGen = cur.generation_tokens - prev.last.generation_tokens;
    if (dPrompt > 0 || dGen > 0) {
      const seconds = (now - prev.last_at) / 1000;
      usage.prompt_throughput = round1(dPrompt / seconds);
      usage.generation_throughput = round1(dGen / seconds);
    }
  }

  return {
    usage,
    state: {
      baseline,
      last: cur,
      last_at: now,
      prompt_tps: promptTps,
      generation_tps: generationTps,
    },
  };
}
