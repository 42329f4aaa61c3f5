import { ANNOUNCE_API } from '../../shared/agent-protocol/announce.js';
import { type Logger } from '../../shared/node/structured-log.js';
import { SyncLoop } from '../../shared/node/sync-loop.js';
import { FailureThrottle } from './failure-throttle.js';
import type { AnnounceBody } from '../../shared/agent-protocol/node.js';
import { errorMessage } from '../../shared/errors.js';

export interface AnnouncerOptions {
  controlPlane: string;
  /** Sent as `Authorization: Bearer …`; undefined with `--insecure`. */
  clusterToken: string | undefined;
  /** Builds the body fresh for each announcement (GPUs and runtimes change). */
  body: () => Promise<AnnounceBody>;
  intervalMs?: number;
  timeoutMs?: number;
  logger: Logger;
}

/** Announces the agent to the control plane at start and then every 10 s; failures are logged, throttled, never fatal. */
export class Announcer {
  private readonly throttle = new FailureThrottle(12);
  private readonly loop: SyncLoop;
  private readonly url: string;

  constructor(private readonly opts: AnnouncerOptions) {
    this.url = `${opts.controlPlane.replace(/\/+$/, '')}${ANNOUNCE_API.path}`;
    this.loop = new SyncLoop({
      name: 'announce',
      logger: opts.logger,
      intervalSeconds: () => (opts.intervalMs ?? 10_000) / 1000,
      tick: async () => {
        await this.announce();
      },
    });
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** One announcement; resolves true on a 2xx answer. Never throws. */
  async announce(): Promise<boolean> {
    try {
      const body = await this.opts.body();
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (this.opts.clusterToken) headers.authorization = `Bearer ${this.opts.clusterToken}`;
      const res = await fetch(this.url, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 5000),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${text.slice(0, 200)}`);
      const failedBefore = this.throttle.succeed();
      if (failedBefore > 0)
        this.opts.logger.info('announced to the control plane again', {
          url: this.url,
          failed_attempts: failedBefore,
        });
      return true;
    } catch (err) {
      if (this.throttle.fail()) {
        this.opts.logger.warn(
          'could not announce to the control plane (will keep trying every interval)',
          {
            url: this.url,
            error: errorMessage(err),
          },
        );
      }
      return false;
    }
  }
}
