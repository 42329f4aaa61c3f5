import { Button, Group, Menu, NumberInput, UnstyledButton } from '@mantine/core';
import { useState } from 'react';
import { EXTENDABLE } from '../../src-main/shared/deployment-status.js';
import type { DeploymentRead } from '../../src-main/shared/deployments.js';
import { useDeploymentCall } from './use-deployment-call.js';

const PRESETS = [1, 4, 12, 24] as const;

/** The remaining time, and (when the lease can move) a menu to extend it. */
export function ExtendMenu({ d, label }: { d: DeploymentRead; label: string }) {
  const call = useDeploymentCall();
  const [custom, setCustom] = useState<number | string>(2);
  // The menu mounts on first use (a Mantine Menu per row is costly with 1000 rows).
  const [armed, setArmed] = useState(false);
  if (!EXTENDABLE.has(d.status))
    return <span data-testid={`remaining-${d.id}`}>{d.expires_at ? label : '—'}</span>;
  if (!armed)
    return (
      <button
        type="button"
        data-testid={`remaining-${d.id}`}
        aria-label={`Remaining ${label}; extend deployment ${d.id}`}
        aria-haspopup="menu"
        className="linkish"
        onClick={() => setArmed(true)}
      >
        {label} ▾
      </button>
    );
  const extend = (body: { hours: number } | { infinite: true }) =>
    void call('Extend failed', `${d.id}/extend`, body, `Deployment ${d.id} extended`);
  return (
    <Menu position="bottom-start" withinPortal defaultOpened>
      <Menu.Target>
        <UnstyledButton
          data-testid={`remaining-${d.id}`}
          aria-label={`Remaining ${label}; extend deployment ${d.id}`}
          className="linkish"
        >
          {label} ▾
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown data-testid={`extend-menu-${d.id}`}>
        <Menu.Label>Extend by</Menu.Label>
        {PRESETS.map((h) => (
          <Menu.Item key={h} onClick={() => extend({ hours: h })} data-testid={`extend-${h}h`}>
            +{h} h
          </Menu.Item>
        ))}
        <Menu.Item onClick={() => extend({ infinite: true })} data-testid="extend-infinite">
          Until stopped (∞)
        </Menu.Item>
        <Menu.Divider />
        <Group gap={4} p={4} wrap="nowrap">
          <NumberInput
            size="xs"
            w={80}
            min={0.1}
            max={336}
            value={custom}
            onChange={setCustom}
            aria-label="Custom hours"
            suffix=" h"
          />
          <Button
            size="xs"
            variant="light"
            onClick={() => typeof custom === 'number' && extend({ hours: custom })}
          >
            Extend
          </Button>
        </Group>
      </Menu.Dropdown>
    </Menu>
  );
}
