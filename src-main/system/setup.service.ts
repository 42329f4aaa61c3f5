import { networkInterfaces } from 'node:os';
import type { SystemSetup } from '../shared/system.js';
import type { DemoNodeService } from './demo-node.service.js';
import {
  adminTokenHint,
  advertisedHost,
  agentCommand,
  controlPlaneUrl,
  type InterfaceAddress,
} from './agent-command.js';

export interface SetupDeps {
  bindHost: string;
  port: () => number;
  /** `adminSource` says where the admin token comes from (its file, or the flag). */
  tokens: { cluster: string; admin: string; adminSource: string };
  /** The bundled agent (`resources/agent/aerie-agent.mjs` in the app, `out/agent/…` headless). */
  agentPath: string | null;
  nodeCount: () => Promise<number>;
  demo: DemoNodeService;
  /** The machine's addresses (injected so the advertised host is testable). */
  addresses?: () => InterfaceAddress[];
}

const allAddresses = (): InterfaceAddress[] =>
  Object.values(networkInterfaces()).flatMap((list) => list ?? []);

/** What the first-run panel shows; the admin token only for callers on this machine. */
export class SetupService {
  constructor(private readonly deps: SetupDeps) {}

  async setup(opts: { revealAdminToken: boolean }): Promise<SystemSetup> {
    const d = this.deps;
    const host = advertisedHost(d.bindHost, (d.addresses ?? allAddresses)());
    const url = controlPlaneUrl(host, d.port());
    return {
      cluster_token: d.tokens.cluster,
      admin_token: opts.revealAdminToken ? d.tokens.admin : null,
      admin_token_hint: adminTokenHint(d.tokens.admin, d.tokens.adminSource),
      control_plane_url: url,
      agent_path: d.agentPath,
      agent_command: agentCommand({
        agentPath: d.agentPath,
        controlPlaneUrl: url,
        clusterToken: d.tokens.cluster,
      }),
      node_count: await d.nodeCount(),
      demo: d.demo.status(),
    };
  }
}
