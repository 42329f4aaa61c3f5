// Folding an agent's cumulative vLLM counters into a deployment's lifetime totals (behaviour.md
// §5.5 "Host folding"): deltas against the last snapshot seen, a counter that went down (a
// restarted engine) counts whole, and the first sight of a deployment whose totals are already
// non-zero adds nothing (a control-plane restart must not double-count).

export interface UsageCounters {
  prompt_tokens: number;
  generation_tokens: number;
  requests: number;
}

const KEYS = ['prompt_tokens', 'generation_tokens', 'requests'] as const;

/** The amounts to add to the totals, given the last snapshot (null = first sight). */
export function foldUsage(
  last: UsageCounters | null,
  now: UsageCounters,
  totalsAreZero: boolean,
): UsageCounters {
  const out: UsageCounters = { prompt_tokens: 0, generation_tokens: 0, requests: 0 };
  if (last === null) return totalsAreZero ? { ...now } : out;
  for (const k of KEYS) out[k] = now[k] >= last[k] ? now[k] - last[k] : now[k];
  return out;
}
