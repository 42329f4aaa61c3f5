import { SegmentedControl, Stack, Text } from '@mantine/core';
import { useElementSize } from '@mantine/hooks';
import { useContext, useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import { MetricsHistorySchema, type MetricsPoint } from '../../src-main/shared/nodes.js';
import { useApi } from '../hooks/use-api.js';
import { ConsoleContext } from '../hooks/use-console.js';
import { errorText } from '../notify.js';
import { chartData, type ChartKind } from './metrics-series.js';

const RANGES = [
  { value: '60', label: '1 h' },
  { value: '360', label: '6 h' },
  { value: '1440', label: '24 h' },
];
/** At most about this many points per chart: the history is downsampled with `step`. */
const MAX_POINTS = 400;
const PALETTE = [
  '#22b8cf',
  '#f59f00',
  '#be4bdb',
  '#40c057',
  '#fa5252',
  '#4c6ef5',
  '#e64980',
  '#82c91e',
];

/** One uPlot chart of `points` (GPU utilisation/memory or CPU/RAM, in %). */
function Chart({
  points,
  kind,
  width,
}: {
  points: MetricsPoint[];
  kind: ChartKind;
  width: number;
}) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const { labels, data } = useMemo(() => chartData(points, kind), [points, kind]);
  const shape = `${kind}:${labels.join(',')}`;
  useEffect(() => {
    if (!host.current || width <= 0) return;
    const opts: uPlot.Options = {
      width,
      height: 180,
      scales: { y: { range: [0, 100] } },
      axes: [
        { stroke: '#aaa', grid: { stroke: '#333' } },
        { stroke: '#aaa', grid: { stroke: '#333' }, values: (_u, v) => v.map((x) => `${x}%`) },
      ],
      series: [
        {},
        ...labels.map((label, i) => ({
          label,
          stroke: PALETTE[i % PALETTE.length] ?? '#22b8cf',
          width: 1.5,
        })),
      ],
    };
    plot.current = new uPlot(opts, data, host.current);
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
    // Re-created only when the series or the width change; new data goes through setData.
  }, [shape, width]);
  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);
  return <div ref={host} className="chart" data-testid={`chart-${kind}`} />;
}

/** GPU and CPU/RAM history of a node over 1/6/24 h, following `node_metrics` live. */
export function MetricsCharts({ nodeId }: { nodeId: number }) {
  const api = useApi();
  const store = useContext(ConsoleContext);
  const [minutes, setMinutes] = useState('60');
  const [points, setPoints] = useState<MetricsPoint[]>([]);
  const [error, setError] = useState<string | null>(null);
  const { ref, width } = useElementSize();
  useEffect(() => {
    let cancelled = false;
    const m = Number(minutes);
    // Samples arrive about every 10 s; step keeps the chart near MAX_POINTS.
    const step = Math.max(1, Math.floor((m * 6) / MAX_POINTS));
    api
      .send('GET', `/api/nodes/${nodeId}/metrics/history`, MetricsHistorySchema, {
        query: { minutes: m, step },
      })
      .then(
        (h) => !cancelled && setPoints(h.points),
        (err: unknown) => !cancelled && setError(errorText(err)),
      );
    const off = store?.getState().onMetrics((e) => {
      if (e.node_id !== nodeId) return;
      const gpus = e.gpus as MetricsPoint['gpus'];
      const point: MetricsPoint = {
        recorded_at: e.recorded_at,
        gpus,
        cpu_percent: e.cpu_percent,
        memory_percent: e.memory_percent,
      };
      setPoints((p) => [
        ...p.filter((x) => Date.parse(x.recorded_at) > Date.now() - m * 60_000),
        point,
      ]);
    });
    return () => {
      cancelled = true;
      off?.();
    };
  }, [api, store, nodeId, minutes]);
  return (
    <Stack gap="xs" ref={ref} data-testid="metrics-charts" data-points={points.length}>
      <SegmentedControl size="xs" value={minutes} onChange={setMinutes} data={RANGES} w={220} />
      {error ? <Text c="red">{error}</Text> : null}
      <Text size="sm" fw={600}>
        GPU utilisation and memory (%)
      </Text>
      <Chart points={points} kind="gpu" width={width} />
      <Text size="sm" fw={600}>
        CPU and RAM (%)
      </Text>
      <Chart points={points} kind="host" width={width} />
    </Stack>
  );
}
