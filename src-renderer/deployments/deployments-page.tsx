import { Button, Group, Title } from '@mantine/core';
import { useCallback, useMemo, useState } from 'react';
import type { DeploymentManifest, DeploymentRead } from '../../src-main/shared/deployments.js';
import { useConsole } from '../hooks/use-console.js';
import { useDeploymentFocus } from '../layout/routes.js';
import { DeleteDialog } from './delete-dialog.js';
import { DeploymentFocus, focusedId } from './deployment-focus.js';
import { DeployPanel } from './deploy-panel.js';
import { DeploymentsTable } from './deployments-table.js';
import { EndpointDialog } from './endpoint-dialog.js';
import { LogsDialog } from './logs-dialog.js';
import { ManifestDialog } from './manifest-dialog.js';
import type { RowDialog } from './row-actions-menu.js';

/** Deployments: the live table, its row dialogs, the Deploy panel and the `#/deployments/<id>` focus. */
export function DeploymentsPage() {
  const map = useConsole((s) => s.deployments);
  const loaded = useConsole((s) => s.loaded);
  const focus = useDeploymentFocus();
  const rows = useMemo(() => Object.values(map), [map]);
  const [dialog, setDialog] = useState<{ kind: RowDialog; id: number } | null>(null);
  const [deployOpen, setDeployOpen] = useState(false);
  const [manifest, setManifest] = useState<DeploymentManifest | null>(null);
  const open = useCallback(
    (kind: RowDialog, d: DeploymentRead) => setDialog({ kind, id: d.id }),
    [],
  );
  const close = () => setDialog(null);
  // The dialog follows the live row (a status change while it is open shows in it).
  const d = dialog ? map[dialog.id] : undefined;
  return (
    <div data-testid="deployments-page">
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h3">
          Deployments
        </Title>
        <Button onClick={() => setDeployOpen(true)} data-testid="deploy-open">
          Deploy a model
        </Button>
      </Group>
      <DeploymentFocus
        focus={focus}
        rows={map}
        loaded={loaded}
        onLogs={(row) => open('logs', row)}
      />
      <DeploymentsTable rows={rows} open={open} focusId={focusedId(focus)} />
      {/* Mounted while open only: the table's first render does not pay for the form. */}
      {deployOpen ? (
        <DeployPanel
          opened
          onClose={() => {
            setDeployOpen(false);
            setManifest(null);
          }}
          manifest={manifest}
        />
      ) : null}
      {d && dialog?.kind === 'logs' ? <LogsDialog d={d} onClose={close} /> : null}
      {d && dialog?.kind === 'endpoint' ? <EndpointDialog d={d} onClose={close} /> : null}
      {d && dialog?.kind === 'delete' ? <DeleteDialog d={d} onClose={close} /> : null}
      {d && dialog?.kind === 'manifest' ? (
        <ManifestDialog
          d={d}
          onClose={close}
          onLoad={(m) => {
            setManifest(m);
            close();
            setDeployOpen(true);
          }}
        />
      ) : null}
    </div>
  );
}
