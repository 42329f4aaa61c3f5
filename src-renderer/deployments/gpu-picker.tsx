import { Chip, Group, Input, Text } from '@mantine/core';
import type { NodeRead } from '../../src-main/shared/nodes.js';

/** Share of a GPU already used, 0–1 (null when the node reports no memory figures). */
function usedShare(g: NodeRead['gpu_usage'][number]): number | null {
  return g.memory_used_mb !== null && g.memory_total_mb
    ? g.memory_used_mb / g.memory_total_mb
    : null;
}

/** One toggle per GPU, cordoned GPUs left out; warns when the fraction would not fit. */
export function GpuPicker({
  node,
  value,
  fraction,
  onChange,
}: {
  node: NodeRead | undefined;
  value: number[];
  fraction: number;
  onChange: (ids: number[]) => void;
}) {
  if (!node) return null;
  const cordoned = new Set(node.maintenance_gpus);
  const gpus = node.gpu_usage.filter((g) => !cordoned.has(g.index));
  const chosen = value.length ? gpus.filter((g) => value.includes(g.index)) : gpus;
  const over = chosen.filter((g) => {
    const used = usedShare(g);
    return used !== null && used + fraction > 1;
  });
  return (
    <Input.Wrapper label="GPUs" description="None selected: the server places the model.">
      <Chip.Group multiple value={value.map(String)} onChange={(v) => onChange(v.map(Number))}>
        <Group gap="xs" mt={4}>
          {gpus.map((g) => (
            <Chip
              key={g.index}
              value={String(g.index)}
              size="xs"
              data-testid={`gpu-toggle-${g.index}`}
            >
              GPU {g.index} · {Math.round((usedShare(g) ?? 0) * 100)}% used
            </Chip>
          ))}
        </Group>
      </Chip.Group>
      {cordoned.size > 0 ? (
        <Text size="xs" c="dimmed">
          Cordoned GPUs hidden: {[...cordoned].join(', ')}
        </Text>
      ) : null}
      {over.length > 0 ? (
        <Text size="xs" c="orange" data-testid="gpu-over-allocation">
          Over-allocation: GPU {over.map((g) => g.index).join(', ')} cannot fit another{' '}
          {Math.round(fraction * 100)}% without offloading.
        </Text>
      ) : null}
    </Input.Wrapper>
  );
}
