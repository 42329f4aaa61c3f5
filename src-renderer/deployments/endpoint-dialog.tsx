import { Modal, SegmentedControl, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import type { DeploymentRead } from '../../src-main/shared/deployments.js';
import { useConsole } from '../hooks/use-console.js';
import { CopyBlock } from './copy-block.js';
import { EndpointKey } from './endpoint-key.js';

/** The gateway's base URL on the machine serving this console. */
export function gatewayBaseUrl(): string {
  return `${location.protocol === 'file:' ? 'http://127.0.0.1:8000' : location.origin}/v1`;
}

/** The Python `openai` and curl snippets for a base URL, model and key. */
export function snippets(base: string, model: string, key: string | null) {
  const k = key ?? 'none';
  const python = [
    'from openai import OpenAI',
    '',
    `client = OpenAI(base_url="${base}", api_key="${k}")`,
    'reply = client.chat.completions.create(',
    `    model="${model}",`,
    '    messages=[{"role": "user", "content": "Hello!"}],',
    ')',
    'print(reply.choices[0].message.content)',
  ].join('\n');
  const curl = [
    `curl ${base}/chat/completions \\`,
    "  -H 'content-type: application/json' \\",
    ...(key ? [`  -H 'authorization: Bearer ${key}' \\`] : []),
    `  -d '{"model": "${model}", "messages": [{"role": "user", "content": "Hello!"}]}'`,
  ].join('\n');
  return { python, curl };
}

/** How a client reaches a deployment: through the gateway or straight at its node. */
export function EndpointDialog({ d, onClose }: { d: DeploymentRead; onClose: () => void }) {
  const node = useConsole((s) => s.nodes[d.node_id]);
  const [via, setVia] = useState<'gateway' | 'direct'>('gateway');
  const [key, setKey] = useState<string | null>(null);
  const base =
    via === 'gateway'
      ? gatewayBaseUrl()
      : `http://${node?.ip_address ?? d.node_hostname}:${d.port}/v1`;
  const { python, curl } = snippets(base, d.served_model_name, via === 'gateway' ? key : null);
  return (
    <Modal opened onClose={onClose} title={`Endpoint · ${d.served_model_name}`} size="lg">
      <Stack>
        <SegmentedControl
          value={via}
          onChange={(v) => setVia(v === 'direct' ? 'direct' : 'gateway')}
          data={[
            { value: 'gateway', label: 'Gateway' },
            { value: 'direct', label: 'Direct to node' },
          ]}
        />
        <CopyBlock title="Base URL" text={base} testId="endpoint-base-url" />
        {via === 'gateway' ? <EndpointKey d={d} onKey={setKey} /> : null}
        <CopyBlock title="Python (openai)" text={python} testId="endpoint-python" />
        <CopyBlock title="curl" text={curl} testId="endpoint-curl" />
        <Text size="xs" c="dimmed">
          Model name for clients: <b>{d.served_model_name}</b>
        </Text>
      </Stack>
    </Modal>
  );
}
