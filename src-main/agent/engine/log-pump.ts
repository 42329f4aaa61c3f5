import type { LogStore } from '../logs/log-store.js';
import { phaseOfLine } from './phase-markers.js';
import { remember, type Tracked } from './registry.js';

const LOADING_STATUSES = new Set(['starting', 'loading', 'error']);

/**
 * Follows a deployment's runtime log into its LogStore until `t.logAbort` fires. The runtime ends
 * a follow when the container stops; the pump then follows again from the last timestamp, and
 * the store drops what it already has, so a restarted container keeps logging without duplicates.
 * Once a stop was requested, the follow that ends with the container is the last one.
 */
export async function pumpLogs(t: Tracked, store: LogStore, retryMs: number): Promise<void> {
  const abort = t.logAbort;
  const runtime = t.runtime;
  if (!abort || !runtime) return;
  while (!abort.signal.aborted) {
    const id = t.entry.container_id;
    if (!id) break;
    try {
      const since = store.resumeSinceUnixSeconds();
      for await (const line of runtime.logs(id, {
        follow: true,
        sinceUnixSeconds: since,
        signal: abort.signal,
      })) {
        if (!store.ingest(line.ts, line.text)) continue;
        remember(t, line.text);
        const phase = phaseOfLine(line.text);
        if (phase && phase !== 'ready' && LOADING_STATUSES.has(t.entry.status))
          t.entry.phase = phase;
      }
    } catch {
      // Container gone or stream cut: the monitor decides what that means; the pump just retries.
    }
    // A stop follows the log to the container's end (its shutdown lines), then the pump is done.
    if (abort.signal.aborted || t.stopRequested) break;
    await new Promise<void>((r) => setTimeout(r, retryMs).unref());
  }
}
