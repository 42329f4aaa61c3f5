import { Text } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useEffect, useState } from 'react';
import { z } from 'zod';
import { useApi } from '../hooks/use-api.js';

/** Asks the node whether the port can be bound. */
export function PortCheck({ nodeId, port }: { nodeId: number | null; port: number | string }) {
  const api = useApi();
  const [debounced] = useDebouncedValue(port, 300);
  const [free, setFree] = useState<boolean | null>(null);
  useEffect(() => {
    setFree(null);
    if (nodeId === null || typeof debounced !== 'number') return;
    let cancelled = false;
    api
      .send('GET', `/api/nodes/${nodeId}/ports/check`, z.object({ available: z.boolean() }), {
        query: { port: debounced },
      })
      .then(
        (r) => !cancelled && setFree(r.available),
        () => undefined,
      );
    return () => {
      cancelled = true;
    };
  }, [api, nodeId, debounced]);
  if (free === null) return null;
  return (
    <Text
      size="xs"
      c={free ? 'teal' : 'orange'}
      data-testid="port-state"
      data-state={free ? 'free' : 'busy'}
    >
      {free ? 'Port is free on the node.' : 'Port is in use on the node.'}
    </Text>
  );
}
