import { type Logger } from '../../shared/node/structured-log.js';
import { urlHost } from '../../shared/net.js';
import { CONSUL_SERVICE_NAME } from '../../shared/agent-protocol/announce.js';
import { SyncLoop } from '../../shared/node/sync-loop.js';
import { FailureThrottle } from './failure-throttle.js';
import { errorMessage } from '../../shared/errors.js';

export interface ConsulRegistrarOptions {
  consulUrl: string;
  nodeName: string;
  advertiseHost: string;
  port: number;
  agentVersion: string;
  intervalMs?: number;
  timeoutMs?: number;
  logger: Logger;
}

/** The `PUT /v1/agent/service/register` body (interfaces.md §6.1). */
export function consulServiceBody(
  o: Pick<ConsulRegistrarOptions, 'nodeName' | 'advertiseHost' | 'port' | 'agentVersion'>,
) {
  const host = urlHost(o.advertiseHost);
  return {
    ID: o.nodeName,
    Name: CONSUL_SERVICE_NAME,
    Tags: [o.nodeName],
    Address: o.advertiseHost,
    Port: o.port,
    Meta: { agent_version: o.agentVersion },
    EnableTagOverride: false,
    Check: {
      CheckID: `${CONSUL_SERVICE_NAME}-${o.nodeName}-health`,
      Name: 'Aerie agent /health',
      HTTP: `http://${host}:${o.port}/health`,
      Method: 'GET',
      Interval: '15s',
      Timeout: '30s',
      DeregisterCriticalServiceAfter: '5m',
    },
  };
}

/** Registers the agent in Consul at start and every 10 s (re-registering is idempotent); deregisters on stop. */
export class ConsulRegistrar {
  private readonly throttle = new FailureThrottle(12);
  private readonly loop: SyncLoop;

  constructor(private readonly opts: ConsulRegistrarOptions) {
    this.loop = new SyncLoop({
      name: 'consul-register',
      logger: opts.logger,
      intervalSeconds: () => (opts.intervalMs ?? 10_000) / 1000,
      tick: async () => {
        await this.register();
      },
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Stops re-registering and removes the service from Consul (failure is logged, not thrown). */
  async stop(): Promise<void> {
    await this.loop.stop();
    try {
      await this.put(
        `/v1/agent/service/deregister/${encodeURIComponent(this.opts.nodeName)}`,
        undefined,
      );
    } catch (err) {
      this.opts.logger.warn('could not deregister from Consul', {
        error: errorMessage(err),
      });
    }
  }

  /** One registration; resolves true on success. Never throws. */
  async register(): Promise<boolean> {
    try {
      await this.put('/v1/agent/service/register', consulServiceBody(this.opts));
      const failedBefore = this.throttle.succeed();
      if (failedBefore > 0)
        this.opts.logger.info('registered in Consul again', { failed_attempts: failedBefore });
      return true;
    } catch (err) {
      if (this.throttle.fail()) {
        this.opts.logger.warn('could not register in Consul (will keep trying every interval)', {
          url: this.opts.consulUrl,
          error: errorMessage(err),
        });
      }
      return false;
    }
  }

  private async put(path: string, body: unknown): Promise<void> {
    const res = await fetch(`${this.opts.consulUrl}${path}`, {
      method: 'PUT',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 5000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`HTTP ${res.status}: ${text.slice(0, 200)}`);
  }
}
