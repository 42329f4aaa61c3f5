// `GET /api/usage?group_by&from&to` (issue 13, item 5). The gateway's schema is not in
// src-main/shared yet, so the answer is read tolerantly: an array of rows, or `{rows}` / `{groups}`.
import { z } from 'zod';

export const USAGE_GROUPS = ['owner', 'api_key', 'deployment', 'model'] as const;
export type UsageGroup = (typeof USAGE_GROUPS)[number];

/** One group's totals as the console shows them. */
export interface UsageRow {
  group: string;
  prompt_tokens: number;
  completion_tokens: number;
  requests: number;
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const Row = z.record(z.string(), z.unknown());

/** The rows of a usage answer, whatever its envelope. */
export function usageRows(body: unknown, groupBy: UsageGroup): UsageRow[] {
  const list = Array.isArray(body)
    ? body
    : body && typeof body === 'object'
      ? ((body as Record<string, unknown>).rows ?? (body as Record<string, unknown>).groups ?? [])
      : [];
  const rows = z.array(Row).safeParse(list);
  if (!rows.success) return [];
  return rows.data.map((r) => {
    const label = r.group ?? r.key ?? r[groupBy] ?? r[`${groupBy}_id`] ?? r.label ?? '—';
    return {
      group:
        typeof label === 'string' || typeof label === 'number'
          ? String(label)
          : JSON.stringify(label),
      prompt_tokens: num(r.prompt_tokens),
      completion_tokens: num(r.completion_tokens),
      requests: num(r.requests),
    };
  });
}
