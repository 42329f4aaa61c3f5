import { createLogger } from '../logging/logger.js';
import { errorMessage } from '../shared/errors.js';

const log = createLogger('health');

export interface VllmReleaseOptions {
  url: string;
  ttlMs?: number;
  timeoutMs?: number;
  /** After a failed fetch, serve the stale value without retrying for this long. */
  retryAfterErrorMs?: number;
  now?: () => number;
}

/** The latest vLLM release tag (without `v`), cached; stale value kept on error, "" if never known. */
export class VllmReleaseService {
  private value = '';
  private fetchedAt = -Infinity;
  private failedAt = -Infinity;
  private inflight: Promise<string> | null = null;
  private readonly ttl: number;
  private readonly timeout: number;
  private readonly retryAfterError: number;
  private readonly now: () => number;

  constructor(private readonly opts: VllmReleaseOptions) {
    this.ttl = opts.ttlMs ?? 3_600_000;
    this.timeout = opts.timeoutMs ?? 3_000;
    this.retryAfterError = opts.retryAfterErrorMs ?? 60_000;
    this.now = opts.now ?? Date.now;
  }

  /** Never throws; resolves within the fetch timeout. */
  latest(): Promise<string> {
    const t = this.now();
    if (t - this.fetchedAt < this.ttl || t - this.failedAt < this.retryAfterError)
      return Promise.resolve(this.value);
    this.inflight ??= this.refresh().finally(() => (this.inflight = null));
    return this.inflight;
  }

  private async refresh(): Promise<string> {
    try {
      const res = await fetch(this.opts.url, {
        headers: { accept: 'application/vnd.github+json', 'user-agent': 'aerie' },
        signal: AbortSignal.timeout(this.timeout),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const body = (await res.json()) as { tag_name?: unknown };
      const tag = typeof body.tag_name === 'string' ? body.tag_name.trim().replace(/^v/i, '') : '';
      if (!/^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/.test(tag))
        throw new Error('response has no usable tag_name');
      this.value = tag;
      this.fetchedAt = this.now();
    } catch (err) {
      this.failedAt = this.now();
      log.warn('could not fetch the latest vLLM release; keeping the previous value', {
        url: this.opts.url,
        error: errorMessage(err),
      });
    }
    return this.value;
  }
}
