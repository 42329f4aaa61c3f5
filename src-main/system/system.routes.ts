import type { IncomingMessage } from 'node:http';
import { bearerToken, safeEqual } from '../shared/node/secrets.js';
import { route, type RouteDef } from '../shared/node/route.js';
import { DemoNodeSchema, SystemSetupSchema } from '../shared/system.js';
import type { DemoNodeService } from './demo-node.service.js';
import type { SetupService } from './setup.service.js';

/** True for 127.0.0.0/8 and ::1 (also IPv4-mapped): a caller on this machine. */
export function isLoopbackAddress(remote: string | undefined): boolean {
  if (!remote) return false;
  const v4 = remote.startsWith('::ffff:') ? remote.slice(7) : remote;
  return v4.startsWith('127.') || remote === '::1';
}

/**
 * The admin token goes to callers on this machine (the desktop window injects as loopback) and to
 * callers that already present it; a trusted-network caller without it only gets the hint.
 */
function mayReadAdminToken(req: IncomingMessage, adminToken: string): boolean {
  if (isLoopbackAddress(req.socket.remoteAddress)) return true;
  const token = bearerToken(req.headers.authorization);
  return token !== null && safeEqual(token, adminToken);
}

export function systemRoutes(
  setup: SetupService,
  demo: DemoNodeService,
  adminToken: string,
): RouteDef[] {
  return [
    route(
      {
        method: 'get',
        path: '/api/system/setup',
        tag: 'System',
        summary:
          'First-run information: cluster token, admin token, the agent command and the demo node.',
        description:
          'An addition to the seed. `admin_token` is returned only to callers on this machine or holding it already (null otherwise; `admin_token_hint` says where it is). `agent_command` is the exact command for a GPU host, with the bundled agent when this build ships one.',
        response: SystemSetupSchema,
      },
      ({ req }) => setup.setup({ revealAdminToken: mayReadAdminToken(req, adminToken) }),
    ),
    route(
      {
        method: 'post',
        path: '/api/system/demo',
        tag: 'System',
        summary: 'Start the demo node: an in-process agent with two simulated H100 80GB GPUs.',
        description:
          'An addition to the seed. Idempotent: a running demo node is returned as it is. The control plane owns it and stops it before it stops itself; the node registers itself within a few seconds (watch `nodes_changed`).',
        response: DemoNodeSchema,
        errors: [503],
      },
      () => demo.start(),
    ),
  ];
}
