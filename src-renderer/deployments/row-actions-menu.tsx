import { ActionIcon, Menu } from '@mantine/core';
import { useState } from 'react';
import type { DeploymentRead } from '../../src-main/shared/deployments.js';
import { rowActions } from './deployment-actions.js';
import { useDeploymentCall } from './use-deployment-call.js';

/** The dialogs a row can open; the page holds one of each, not one per row. */
export type RowDialog = 'logs' | 'endpoint' | 'manifest' | 'delete';
export type DialogOpener = (dialog: RowDialog, d: DeploymentRead) => void;

/** A row's actions: exactly those its status allows, plus its dialogs. */
export function RowActionsMenu({ d, open }: { d: DeploymentRead; open: DialogOpener }) {
  const call = useDeploymentCall();
  // A Mantine Menu per row is costly with 1000 rows: the menu mounts on first use.
  const [armed, setArmed] = useState(false);
  const label = `Actions for deployment ${d.id}`;
  if (!armed)
    return (
      <button
        type="button"
        className="icon-btn"
        aria-label={label}
        aria-haspopup="menu"
        data-testid={`actions-${d.id}`}
        onClick={() => setArmed(true)}
      >
        ⋯
      </button>
    );
  const allowed = new Set(rowActions(d.status, d.pinned));
  const act = (title: string, path: string, body: unknown, done: string) =>
    void call(title, path, body, done);
  return (
    <Menu position="bottom-end" withinPortal defaultOpened>
      <Menu.Target>
        <ActionIcon variant="subtle" aria-label={label} data-testid={`actions-${d.id}`}>
          ⋯
        </ActionIcon>
      </Menu.Target>
      <Menu.Dropdown data-testid={`actions-menu-${d.id}`}>
        {allowed.has('pause') ? (
          <Menu.Item
            data-testid="action-pause"
            onClick={() =>
              act('Pause failed', `${d.id}/pause`, {}, `Pausing ${d.served_model_name}`)
            }
          >
            Pause
          </Menu.Item>
        ) : null}
        {allowed.has('pause_disk') ? (
          <Menu.Item
            data-testid="action-pause_disk"
            onClick={() =>
              act(
                'Pause to disk failed',
                `${d.id}/pause`,
                { tier: 'disk' },
                `Pausing ${d.served_model_name} to disk`,
              )
            }
          >
            {d.status === 'paused_ram' ? 'Move to disk' : 'Pause to disk'}
          </Menu.Item>
        ) : null}
        {allowed.has('resume') ? (
          <Menu.Item
            data-testid="action-resume"
            onClick={() =>
              act('Resume failed', `${d.id}/resume`, {}, `Resuming ${d.served_model_name}`)
            }
          >
            Resume
          </Menu.Item>
        ) : null}
        {allowed.has('restart') ? (
          <Menu.Item
            data-testid="action-restart"
            onClick={() =>
              act('Restart failed', `${d.id}/restart`, {}, `Restarting ${d.served_model_name}`)
            }
          >
            Restart
          </Menu.Item>
        ) : null}
        <Menu.Item
          data-testid="action-pin"
          onClick={() =>
            act(
              'Pin failed',
              `${d.id}/pin`,
              { pinned: !d.pinned },
              d.pinned ? 'Unpinned' : 'Pinned',
            )
          }
        >
          {d.pinned ? 'Unpin' : 'Pin (never auto-evicted)'}
        </Menu.Item>
        <Menu.Divider />
        <Menu.Item data-testid="action-logs" onClick={() => open('logs', d)}>
          Logs
        </Menu.Item>
        <Menu.Item data-testid="action-endpoint" onClick={() => open('endpoint', d)}>
          Endpoint
        </Menu.Item>
        <Menu.Item data-testid="action-manifest" onClick={() => open('manifest', d)}>
          Manifest
        </Menu.Item>
        <Menu.Divider />
        {allowed.has('stop') ? (
          <Menu.Item
            color="red"
            data-testid="action-stop"
            onClick={() =>
              act('Stop failed', `stop/${d.id}`, undefined, `Stopping ${d.served_model_name}`)
            }
          >
            Stop
          </Menu.Item>
        ) : null}
        {allowed.has('delete') ? (
          <Menu.Item color="red" data-testid="action-delete" onClick={() => open('delete', d)}>
            Delete…
          </Menu.Item>
        ) : null}
      </Menu.Dropdown>
    </Menu>
  );
}
