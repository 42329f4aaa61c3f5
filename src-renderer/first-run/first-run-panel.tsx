import { useCallback, useEffect, useState } from 'react';
import type { SystemSetup } from '../../src-main/shared/system.js';
import type { ApiClient } from '../api/api-client.js';
import { copyText } from './copy-text.js';
import { fetchSetup, startDemoNode } from './first-run-api.js';

const DISMISSED_KEY = 'aerie.firstRun.dismissed';

function SecretRow({ label, value, testId }: { label: string; value: string; testId: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="first-run-row">
      <span className="first-run-label" id={`${testId}-label`}>
        {label}
      </span>
      <code className="first-run-value" data-testid={testId} aria-labelledby={`${testId}-label`}>
        {value}
      </code>
      <button
        type="button"
        data-testid={`${testId}-copy`}
        aria-label={`Copy ${label.toLowerCase()}`}
        onClick={() => void copyText(value).then(setCopied)}
      >
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}

/**
 * The first-run panel: shown while no node is registered (until closed), with the tokens, the
 * exact command for a GPU host, and a button that starts the in-process demo node.
 */
export function FirstRunPanel({ client }: { client: ApiClient }) {
  const [setup, setSetup] = useState<SystemSetup | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const [dismissed, setDismissed] = useState(() => localStorage.getItem(DISMISSED_KEY) === '1');

  // Set once a setup with no node arrives: the panel then stays to say the first node connected.
  const [firstRun, setFirstRun] = useState(false);

  const refresh = useCallback(() => {
    fetchSetup(client.transport).then(
      (s) => {
        setSetup(s);
        if (s.node_count === 0) setFirstRun(true);
      },
      (err: unknown) => setError(String(err)),
    );
  }, [client]);

  useEffect(() => {
    refresh();
    // A node joining (the demo or a GPU host running the command) arrives as nodes_changed.
    return client.events(
      (e) => {
        if (e.type === 'nodes_changed') refresh();
      },
      () => undefined,
    );
  }, [client, refresh]);

  if (dismissed || (!setup && !error)) return null;
  if (setup && setup.node_count > 0 && !firstRun) return null;

  const close = () => {
    localStorage.setItem(DISMISSED_KEY, '1');
    setDismissed(true);
  };
  const startDemo = () => {
    setStarting(true);
    setError(null);
    startDemoNode(client.transport)
      .then(refresh, (err: unknown) => setError(err instanceof Error ? err.message : String(err)))
      .finally(() => setStarting(false));
  };
  const connected = setup !== null && setup.node_count > 0;

  return (
    <section className="first-run" aria-labelledby="first-run-title" data-testid="first-run">
      <header className="first-run-header">
        <h2 id="first-run-title">
          {connected ? 'Your first node is connected' : 'Connect your first GPU host'}
        </h2>
        <button type="button" onClick={close} data-testid="first-run-close">
          Close
        </button>
      </header>
      {error && (
        <p role="alert" className="first-run-error" data-testid="first-run-error">
          {error}
        </p>
      )}
      {setup && (
        <>
          <p>
            Run this on a GPU host with Node.js 20 or later. It joins this control plane at{' '}
            <code>{setup.control_plane_url}</code>.
          </p>
          <SecretRow label="Agent command" value={setup.agent_command} testId="first-run-command" />
          <SecretRow
            label="Cluster token"
            value={setup.cluster_token}
            testId="first-run-cluster-token"
          />
          {setup.admin_token !== null ? (
            <SecretRow
              label="Admin token (for /api clients on other machines)"
              value={setup.admin_token}
              testId="first-run-admin-token"
            />
          ) : (
            <p data-testid="first-run-admin-hint">Admin token: {setup.admin_token_hint}</p>
          )}
          <div className="first-run-demo">
            <p>No GPU at hand? A demo node simulates two H100 80GB GPUs inside this app.</p>
            <button
              type="button"
              onClick={startDemo}
              disabled={starting || setup.demo.running}
              data-testid="first-run-demo"
            >
              {setup.demo.running
                ? 'Demo node running'
                : starting
                  ? 'Starting…'
                  : 'Start a demo node'}
            </button>
            <span role="status" data-testid="first-run-status">
              {connected
                ? `${setup.node_count} node${setup.node_count === 1 ? '' : 's'} connected`
                : setup.demo.running
                  ? 'Demo node started; waiting for it to register…'
                  : ''}
            </span>
          </div>
        </>
      )}
    </section>
  );
}
