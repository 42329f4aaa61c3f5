/** Tokens of one finished request, from its `usage` object. */
export interface RequestUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

/** One `usage_hourly` increment: per API key (0 = no key) × deployment × UTC hour. */
export interface UsageIncrement {
  api_key_id: number;
  deployment_id: number;
  hour: string;
  model: string;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
}

/** The UTC hour of `now` as an ISO string, remembered for the hour (one `toISOString` an hour). */
class HourClock {
  private start = -1;
  private text = '';
  of(now: number): string {
    const start = now - (now % 3_600_000);
    if (start !== this.start) {
      this.start = start;
      this.text = new Date(start).toISOString();
    }
    return this.text;
  }
}

/** Usage counted on the hot path in memory; `drain` hands the increments to the flush. */
export class UsageMeter {
  private pending = new Map<string, UsageIncrement>();
  private readonly hours = new HourClock();

  add(
    keyId: number | null,
    deploymentId: number,
    model: string,
    u: RequestUsage,
    now: number,
  ): void {
    this.merge({
      api_key_id: keyId ?? 0,
      deployment_id: deploymentId,
      hour: this.hours.of(now),
      model,
      requests: 1,
      prompt_tokens: u.prompt_tokens,
      completion_tokens: u.completion_tokens,
    });
  }

  drain(): UsageIncrement[] {
    const out = [...this.pending.values()];
    this.pending = new Map();
    return out;
  }

  /** Puts increments back after a failed flush, so nothing is lost. */
  restore(incs: readonly UsageIncrement[]): void {
    for (const i of incs) this.merge(i);
  }

  private merge(i: UsageIncrement): void {
    const k = `${i.api_key_id}|${i.deployment_id}|${i.hour}`;
    const p = this.pending.get(k);
    if (!p) {
      this.pending.set(k, { ...i });
      return;
    }
    p.requests += i.requests;
    p.prompt_tokens += i.prompt_tokens;
    p.completion_tokens += i.completion_tokens;
  }
}
