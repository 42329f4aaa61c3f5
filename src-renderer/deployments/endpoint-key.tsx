import { Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { DeploymentRead } from '../../src-main/shared/deployments.js';
import { useApi } from '../hooks/use-api.js';
import { useConsole } from '../hooks/use-console.js';
import { ApiKeyCreatedSchema, ApiKeyReadSchema, isPermanent } from '../keys/keys-api.js';

/**
 * When permanent keys exist (the gateway then wants one) and the snippet key lifetime is above 0,
 * creates a temporary key scoped to this deployment for the snippets (behaviour.md §5.3).
 */
export function EndpointKey({ d, onKey }: { d: DeploymentRead; onKey: (key: string) => void }) {
  const api = useApi();
  const ttl = useConsole((s) => s.settings?.temp_api_key_ttl_seconds ?? 0);
  const [note, setNote] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    const run = async () => {
      if (ttl <= 0) return;
      const keys = await api.send('GET', '/api/api-keys', ApiKeyReadSchema.array());
      if (cancelled || !keys.some(isPermanent)) {
        if (!cancelled) setNote('No API keys: the gateway is open to all requests.');
        return;
      }
      const created = await api.send('POST', '/api/api-keys', ApiKeyCreatedSchema, {
        body: { label: 'snippet (temp)', ttl_seconds: ttl, deployment_ids: [d.id] },
      });
      if (cancelled) return;
      onKey(created.key);
      setNote(`Using a temporary API key valid for ${Math.max(1, Math.round(ttl / 60))} min.`);
    };
    run().catch(() => {
      if (!cancelled) setNote(null);
    });
    return () => {
      cancelled = true;
    };
  }, [api, d.id, ttl, onKey]);
  return note ? (
    <Text size="xs" c="dimmed" data-testid="endpoint-key-note">
      {note}
    </Text>
  ) : null;
}
