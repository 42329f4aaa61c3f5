// Prometheus text for `GET /metrics` of the control plane: what the gateway served, how fast, and
// what it cost. Counters are plain numbers in maps keyed by their label values (no library on the
// hot path); `render` writes the text exposition format.

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

class Histogram {
  readonly counts = new Array<number>(LATENCY_BUCKETS.length).fill(0);
  sum = 0;
  count = 0;
  observe(seconds: number): void {
    this.sum += seconds;
    this.count += 1;
    for (let i = 0; i < LATENCY_BUCKETS.length; i++)
      if (seconds <= LATENCY_BUCKETS[i]!) this.counts[i]! += 1;
  }
}

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labels = (names: readonly string[], values: readonly string[]) =>
  names.map((n, i) => `${n}="${esc(values[i] ?? '')}"`).join(',');

/** The gateway's counters; the handler calls the `on…` methods, `/metrics` calls `render`. */
export class GatewayMetrics {
  inFlight = 0;
  private readonly requests = new Map<string, number>();
  private readonly latency = new Map<string, Histogram>();
  private readonly ttfb = new Map<string, Histogram>();
  private readonly tokens = new Map<string, number>();
  private readonly upstreamErrors = new Map<string, number>();
  private readonly wakeHolds = new Map<string, number>();

  private static bump(m: Map<string, number>, k: string, n = 1): void {
    m.set(k, (m.get(k) ?? 0) + n);
  }
  private static hist(m: Map<string, Histogram>, k: string): Histogram {
    let h = m.get(k);
    if (!h) m.set(k, (h = new Histogram()));
    return h;
  }

  onRequest(route: string, model: string, status: number, seconds: number): void {
    const k = `${route}\u0000${model}\u0000${status}`;
    GatewayMetrics.bump(this.requests, k);
    GatewayMetrics.hist(this.latency, `${route}\u0000${model}`).observe(seconds);
  }
  onFirstByte(route: string, model: string, seconds: number): void {
    GatewayMetrics.hist(this.ttfb, `${route}\u0000${model}`).observe(seconds);
  }
  onTokens(model: string, prompt: number, completion: number): void {
    GatewayMetrics.bump(this.tokens, `${model}\u0000prompt`, prompt);
    GatewayMetrics.bump(this.tokens, `${model}\u0000completion`, completion);
  }
  onUpstreamError(model: string, code: string): void {
    GatewayMetrics.bump(this.upstreamErrors, `${model}\u0000${code}`);
  }
  onWakeHold(model: string, outcome: 'woke' | 'timed_out'): void {
    GatewayMetrics.bump(this.wakeHolds, `${model}\u0000${outcome}`);
  }

  /** The text exposition; `extra` is appended (the loops' tick durations). */
  render(extra = ''): string {
    const out: string[] = [];
    const counter = (name: string, help: string, m: Map<string, number>, names: string[]) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      for (const [k, v] of m) out.push(`${name}{${labels(names, k.split('\u0000'))}} ${v}`);
    };
    const histogram = (name: string, help: string, m: Map<string, Histogram>) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
      for (const [k, h] of m) {
        const l = labels(['route', 'model'], k.split('\u0000'));
        LATENCY_BUCKETS.forEach((b, i) =>
          out.push(`${name}_bucket{${l},le="${b}"} ${h.counts[i]}`),
        );
        out.push(`${name}_bucket{${l},le="+Inf"} ${h.count}`);
        out.push(`${name}_sum{${l}} ${h.sum}`, `${name}_count{${l}} ${h.count}`);
      }
    };
    counter(
      'aerie_gateway_requests_total',
      'Gateway requests by route, model and HTTP status.',
      this.requests,
      ['route', 'model', 'status'],
    );
    histogram(
      'aerie_gateway_request_duration_seconds',
      'Time from request to the last byte of the answer.',
      this.latency,
    );
    histogram(
      'aerie_gateway_time_to_first_byte_seconds',
      'Time from request to the first byte from the upstream.',
      this.ttfb,
    );
    counter(
      'aerie_gateway_tokens_total',
      'Tokens counted from responses, by model and kind.',
      this.tokens,
      ['model', 'kind'],
    );
    counter(
      'aerie_gateway_upstream_errors_total',
      'Requests whose deployment did not answer.',
      this.upstreamErrors,
      ['model', 'code'],
    );
    counter(
      'aerie_gateway_wake_holds_total',
      'Requests held while a paused model woke, by outcome.',
      this.wakeHolds,
      ['model', 'outcome'],
    );
    out.push(
      '# HELP aerie_gateway_in_flight Gateway requests in progress.',
      '# TYPE aerie_gateway_in_flight gauge',
      `aerie_gateway_in_flight ${this.inFlight}`,
    );
    return `${out.join('\n')}\n${extra}`;
  }
}
