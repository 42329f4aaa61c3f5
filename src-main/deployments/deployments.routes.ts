import { z } from 'zod';
import {
  DeploymentDeletedSchema,
  DeploymentExtendSchema,
  DeploymentIdParams,
  DeploymentLogsSchema,
  DeploymentManifestSchema,
  DeploymentPauseSchema,
  DeploymentPinSchema,
  DeploymentPlanReadSchema,
  DeploymentPlanRequestSchema,
  DeploymentReadSchema,
  DeploymentRestartSchema,
  DeploymentStartSchema,
  FromManifestSchema,
  LogsTailQuerySchema,
  OffloadItemSchema,
  ServedNameCheckSchema,
  ServedNameQuerySchema,
} from '../shared/deployments.js';
import { route, type RouteDef } from '../shared/node/route.js';
import type { DeploymentLauncher } from './deployment-launcher.js';
import type { DeploymentService } from './deployment.service.js';
import { startFromManifest } from './manifest.js';

const tag = 'Deployments';
const base = '/api/deployments';
const StartResultSchema = DeploymentReadSchema.extend({
  offloaded: z.array(OffloadItemSchema),
}).meta({ id: 'DeploymentStartResult' });
const byId = { params: DeploymentIdParams } as const;

/** `/api/deployments` (the seed's list, lifecycle and warm-cache routes). */
export function deploymentsRoutes(
  svc: DeploymentService,
  launcher: DeploymentLauncher,
): RouteDef[] {
  return [
    route(
      {
        method: 'get',
        path: base,
        tag,
        summary: 'All deployments, newest first, with live rates, usage totals and pull progress.',
        response: z.array(DeploymentReadSchema),
      },
      () => svc.list(),
    ),
    route(
      {
        method: 'get',
        path: `${base}/served-name/check`,
        tag,
        summary: 'Whether a served model name is free, with a suggested alternative.',
        query: ServedNameQuerySchema,
        response: ServedNameCheckSchema,
      },
      ({ query }) => svc.servedNameCheck(query.name, query.exclude_id),
    ),
    route(
      {
        method: 'get',
        path: `${base}/{deployment_id}`,
        tag,
        summary: 'One deployment.',
        ...byId,
        response: DeploymentReadSchema,
        errors: [404],
      },
      ({ params }) => svc.read(params.deployment_id),
    ),
    route(
      {
        method: 'get',
        path: `${base}/{deployment_id}/manifest`,
        tag,
        summary: 'Self-contained reproducibility manifest (env var keys only).',
        ...byId,
        response: DeploymentManifestSchema,
        errors: [404],
      },
      ({ params }) => svc.manifest(params.deployment_id),
    ),
    route(
      {
        method: 'get',
        path: `${base}/{deployment_id}/logs`,
        tag,
        summary: "The last lines of the deployment's log (secrets masked).",
        ...byId,
        query: LogsTailQuerySchema,
        response: DeploymentLogsSchema,
        errors: [404, 502],
      },
      ({ params, query }) => svc.logs(params.deployment_id, query.tail),
    ),
    route(
      {
        method: 'get',
        path: `${base}/{deployment_id}/logs/download`,
        tag,
        summary: 'The full persisted log of the current run, as a download.',
        ...byId,
        produces: 'text/plain',
        raw: true,
        errors: [404, 502],
      },
      ({ params, res }) => svc.downloadLogs(params.deployment_id, res),
    ),
    route(
      {
        method: 'post',
        path: base,
        tag,
        summary: 'Create a deployment record without launching it (status stopped).',
        body: DeploymentStartSchema,
        status: 201,
        response: DeploymentReadSchema,
        errors: [404],
      },
      ({ body }) => launcher.create(body),
    ),
    route(
      {
        method: 'post',
        path: `${base}/start`,
        tag,
        summary: 'Create a deployment and launch it on its node.',
        description:
          'Checks, in order: node (404), maintenance (409), port (409), served names incl. LoRA aliases (409), runtime (409); omit `gpu_ids` for automatic placement on the least-loaded GPUs. The agent’s status and detail are passed on.',
        body: DeploymentStartSchema,
        status: 201,
        response: StartResultSchema,
        errors: [400, 404, 409, 502, 507],
      },
      ({ body }) => launcher.start(body),
    ),
    route(
      {
        method: 'post',
        path: `${base}/from-manifest`,
        tag,
        summary:
          'Launch from an exported manifest; placement and env values come from the request.',
        body: FromManifestSchema,
        status: 201,
        response: StartResultSchema,
        errors: [400, 404, 409, 502, 507],
      },
      ({ body }) => launcher.start(startFromManifest(body.manifest, body)),
    ),
    route(
      {
        method: 'post',
        path: `${base}/plan`,
        tag,
        summary: 'Preview which warm models a deploy would offload, before committing. Read-only.',
        body: DeploymentPlanRequestSchema,
        response: DeploymentPlanReadSchema,
        errors: [404],
      },
      ({ body }) => svc.plan(body),
    ),
    route(
      {
        method: 'post',
        path: `${base}/stop/{deployment_id}`,
        tag,
        summary: 'Stop the deployment on its node (stopping now, stopped at the next sync).',
        ...byId,
        response: DeploymentReadSchema,
        errors: [404, 409, 502],
      },
      ({ params }) => svc.stop(params.deployment_id),
    ),
    route(
      {
        method: 'post',
        path: `${base}/{deployment_id}/restart`,
        tag,
        summary: 'Launch a stopped, expired or errored deployment again (same id, checks re-run).',
        ...byId,
        body: DeploymentRestartSchema,
        response: StartResultSchema,
        errors: [404, 409, 502, 507],
      },
      ({ params, body }) => launcher.restart(params.deployment_id, body),
    ),
    route(
      {
        method: 'post',
        path: `${base}/{deployment_id}/extend`,
        tag,
        summary: 'Push the serve deadline forward (hours ≤ 336) or drop it (infinite).',
        ...byId,
        body: DeploymentExtendSchema,
        response: DeploymentReadSchema,
        errors: [404, 409],
      },
      ({ params, body }) => svc.extend(params.deployment_id, body),
    ),
    route(
      {
        method: 'delete',
        path: `${base}/{deployment_id}`,
        tag,
        summary: 'Delete the record of a deployment that no longer runs (409 "stop it first").',
        ...byId,
        response: DeploymentDeletedSchema,
        errors: [404, 409],
      },
      ({ params }) => svc.remove(params.deployment_id),
    ),
    route(
      {
        method: 'post',
        path: `${base}/{deployment_id}/pin`,
        tag,
        summary: 'Set the pin flag: pinned deployments are never paused or evicted.',
        ...byId,
        body: DeploymentPinSchema,
        response: DeploymentReadSchema,
        errors: [404],
      },
      ({ params, body }) => svc.pin(params.deployment_id, body.pinned),
    ),
    route(
      {
        method: 'post',
        path: `${base}/{deployment_id}/pause`,
        tag,
        summary: 'Pause a running model to RAM (vLLM sleep mode) or disk.',
        ...byId,
        body: DeploymentPauseSchema,
        response: DeploymentReadSchema,
        errors: [404, 409, 502],
      },
      ({ params, body }) => svc.pause(params.deployment_id, body?.tier),
    ),
    route(
      {
        method: 'post',
        path: `${base}/{deployment_id}/resume`,
        tag,
        summary: 'Wake a paused model back to GPU.',
        ...byId,
        response: DeploymentReadSchema,
        errors: [404, 409, 502, 503],
      },
      ({ params }) => svc.resume(params.deployment_id),
    ),
  ];
}
