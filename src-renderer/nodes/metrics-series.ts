// Metric history → uPlot's columnar data (x = unix seconds, one series per line, in %).
import type { AlignedData } from 'uplot';
import type { MetricsPoint } from '../../src-main/shared/nodes.js';

export type ChartKind = 'gpu' | 'host';

/** Series labels and aligned columns for one chart. */
export function chartData(
  points: MetricsPoint[],
  kind: ChartKind,
): { labels: string[]; data: AlignedData } {
  const xs = points.map((p) => Date.parse(p.recorded_at) / 1000);
  if (kind === 'host')
    return {
      labels: ['CPU', 'RAM'],
      data: [xs, points.map((p) => p.cpu_percent), points.map((p) => p.memory_percent)],
    };
  const indexes = [...new Set(points.flatMap((p) => p.gpus.map((g) => g.index)))].sort(
    (a, b) => a - b,
  );
  const labels: string[] = [];
  const cols: (number | null)[][] = [];
  for (const i of indexes) {
    labels.push(`GPU ${i} util`);
    cols.push(points.map((p) => p.gpus.find((g) => g.index === i)?.utilization ?? null));
    labels.push(`GPU ${i} mem`);
    cols.push(
      points.map((p) => {
        const g = p.gpus.find((x) => x.index === i);
        return g?.memory_used_mb != null && g.memory_total_mb
          ? Math.round((g.memory_used_mb / g.memory_total_mb) * 1000) / 10
          : null;
      }),
    );
  }
  return { labels, data: [xs, ...cols] };
}
