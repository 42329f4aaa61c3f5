import { parsePrometheusText } from '../../shared/prometheus.js';
import { computeUsage } from '../../shared/usage-scrape.js';
import type { Tracked } from './registry.js';
import { fetchMetrics } from './vllm-client.js';

/**
 * Scrapes vLLM's `/metrics` on the serve port and stores `usage` and `requests_running`
 * (behaviour.md §5.5). A failed scrape keeps the previous values: zeros are never invented.
 */
export async function scrapeUsage(t: Tracked, now: number): Promise<void> {
  const e = t.entry;
  const text = await fetchMetrics(e.internal_port ?? e.port);
  if (text === null) return;
  const { usage, state } = computeUsage(t.usageState, parsePrometheusText(text), now);
  t.usageState = state;
  if (!usage) return;
  e.usage = usage;
  e.requests_running = usage.requests_running ?? null;
}
