import { Button, Group, Text } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useEffect, useState } from 'react';
import { ServedNameCheckSchema } from '../../src-main/shared/deployments.js';
import { useApi } from '../hooks/use-api.js';

type Check = {
  available: boolean;
  conflict_id?: number;
  conflict_model?: string;
  suggestion?: string;
};

/** Checks the name clients will address as the operator types; offers the server's free name. */
export function ServedNameCheck({ name, onUse }: { name: string; onUse: (n: string) => void }) {
  const api = useApi();
  const [debounced] = useDebouncedValue(name.trim(), 300);
  const [check, setCheck] = useState<Check | null>(null);
  useEffect(() => {
    if (!debounced) {
      setCheck(null);
      return;
    }
    let cancelled = false;
    api
      .send('GET', '/api/deployments/served-name/check', ServedNameCheckSchema, {
        query: { name: debounced },
      })
      .then(
        (c) => !cancelled && setCheck(c),
        () => !cancelled && setCheck(null),
      );
    return () => {
      cancelled = true;
    };
  }, [api, debounced]);
  if (!check) return null;
  if (check.available)
    return (
      <Text size="xs" c="teal" data-testid="served-name-state" data-state="free">
        “{debounced}” is free.
      </Text>
    );
  return (
    <Group gap="xs" data-testid="served-name-state" data-state="taken">
      <Text size="xs" c="orange">
        “{debounced}” is served by #{check.conflict_id} ({check.conflict_model}).
      </Text>
      {check.suggestion ? (
        <Button size="compact-xs" variant="light" onClick={() => onUse(check.suggestion ?? '')}>
          Use {check.suggestion}
        </Button>
      ) : null}
    </Group>
  );
}
