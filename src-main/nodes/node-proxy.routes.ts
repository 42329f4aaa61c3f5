// The node pass-throughs of the seed (`/api/nodes/{id}/…` → the node's agent): validated with the
// agent's own contract, answered with its status and detail, 502 when it cannot be reached, 404
// for an unknown node. Uploads stream through without buffering.
import { z } from 'zod';
import type { AgentClient } from '../agent-client/agent-client.js';
import { AGENT_API, type AgentOperation } from '../shared/agent-protocol/api.js';
import type { Contract } from '../shared/http-contract.js';
import { route, type RouteDef } from '../shared/node/route.js';
import { NodeIdParams } from '../shared/nodes.js';
import type { NodeService } from './node.service.js';
import type { UploadRelay } from './upload-relay.js';

interface Relay {
  op: AgentOperation;
  /** The path under `/api/nodes/{node_id}`. */
  path: string;
  summary: string;
  /** Control-plane path parameter → the agent's (`container_id` → `id`). */
  rename?: Record<string, string>;
}

const RELAYS: Relay[] = [
  {
    op: 'portCheck',
    path: '/ports/check',
    summary: 'Check whether a port is available on the node.',
  },
  {
    op: 'containers',
    path: '/containers',
    summary: 'List vLLM containers on the node (tracked or rogue).',
  },
  {
    op: 'containerStop',
    path: '/containers/{container_id}/stop',
    summary: 'Stop and remove a rogue container on the node.',
    rename: { container_id: 'id' },
  },
  { op: 'gpuProcesses', path: '/gpu-processes', summary: 'List vLLM GPU processes on the node.' },
  {
    op: 'gpuProcessKill',
    path: '/gpu-processes/{pid}/kill',
    summary: 'Kill an orphaned GPU process on the node.',
  },
  { op: 'images', path: '/images', summary: 'List vLLM container images on the node.' },
  {
    op: 'imageDelete',
    path: '/images/{image_id}',
    summary: 'Delete a container image from the node.',
    rename: { image_id: 'id' },
  },
  { op: 'imagePrune', path: '/images/prune', summary: 'Prune unused vLLM images on the node.' },
  {
    op: 'warmArtifacts',
    path: '/warm-artifacts',
    summary: 'List orphaned warm-cache artifacts (RAM sleepers, disk caches).',
  },
  {
    op: 'sleeperKill',
    path: '/warm-artifacts/sleepers/{pid}/kill',
    summary: 'Kill an orphaned RAM sleeper process.',
  },
  {
    op: 'cacheDelete',
    path: '/warm-artifacts/caches/{name}',
    summary: 'Delete an orphaned warm-cache compile artifact.',
  },
  {
    op: 'hfCache',
    path: '/models/cache',
    summary: 'List HuggingFace model cache entries on the node.',
  },
  {
    op: 'hfCacheDelete',
    path: '/models/cache/{name*}',
    summary: "Delete a cached model ('org/name') from the node's HuggingFace cache.",
  },
  {
    op: 'localModels',
    path: '/local-models',
    summary: "List models in the node's local model directories.",
  },
  {
    op: 'localModelDelete',
    path: '/local-models/{name}',
    summary: 'Delete a managed local model.',
  },
  {
    op: 'pull',
    path: '/local-models/pull',
    summary: "Pull a model from a URL to the node's local storage (in the background).",
  },
  {
    op: 'transfers',
    path: '/local-models/transfers',
    summary: 'List running and recent URL pulls on the node.',
  },
  {
    op: 'uploadBegin',
    path: '/local-models/upload/begin',
    summary: 'Start a streamed multi-file model upload session.',
  },
  {
    op: 'uploadFinish',
    path: '/local-models/upload/{session_id}/finish',
    summary: 'Finalize a model upload session.',
    rename: { session_id: 'sid' },
  },
  {
    op: 'uploadAbort',
    path: '/local-models/upload/{session_id}/abort',
    summary: 'Abort and clean up an upload session.',
    rename: { session_id: 'sid' },
  },
  {
    op: 'packages',
    path: '/packages',
    summary: "List packages and plugins in the node's package cache.",
  },
];

/** Uploads: the request body streams through to the agent. */
const STREAMED: Relay[] = [
  {
    op: 'uploadFile',
    path: '/local-models/upload/{session_id}/file',
    summary: 'Upload one file of an upload session (raw body). Query: path.',
    rename: { session_id: 'sid' },
  },
  {
    op: 'archive',
    path: '/local-models/archive',
    summary:
      'Upload a model as one archive (.tar.gz, .tgz, .zip; raw body). Query: name, filename.',
  },
  {
    op: 'packageUpload',
    path: '/packages/upload',
    summary: 'Upload a pip wheel, plugin or source archive (multipart field "file").',
  },
];

type RelayParams = { node_id: number } & Record<string, unknown>;

/** The control plane's params: `node_id` plus the agent's, renamed. */
function paramsSchema(agent: Contract, rename: Record<string, string>): z.ZodType<RelayParams> {
  const shape = agent.params instanceof z.ZodObject ? (agent.params.shape as z.ZodRawShape) : {};
  const back = Object.fromEntries(Object.entries(rename).map(([cp, a]) => [a, cp]));
  const renamed = Object.fromEntries(Object.entries(shape).map(([k, v]) => [back[k] ?? k, v]));
  return NodeIdParams.extend(renamed) as unknown as z.ZodType<RelayParams>;
}

/** The agent's params from the control plane's. */
function agentParams(params: Record<string, unknown>, rename: Record<string, string>) {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) if (k !== 'node_id') out[rename[k] ?? k] = v;
  return out;
}

function contractFor(r: Relay): Contract & { params: z.ZodType<RelayParams> } {
  const agent: Contract = AGENT_API[r.op];
  const errors = [...new Set([...(agent.errors ?? []), 404, 502])].sort();
  return {
    method: agent.method,
    path: `/api/nodes/{node_id}${r.path}`,
    tag: 'Node pass-through',
    summary: r.summary,
    description: `Relayed to the node agent's \`${agent.method.toUpperCase()} ${agent.path}\`; its status and detail are passed on.`,
    params: paramsSchema(agent, r.rename ?? {}),
    ...(agent.query && { query: agent.query }),
    ...(agent.body && { body: agent.body }),
    ...(agent.streamBody && { streamBody: agent.streamBody }),
    ...(agent.status !== undefined && { status: agent.status }),
    ...(agent.response && { response: agent.response }),
    errors,
  };
}

export function nodeProxyRoutes(
  nodes: NodeService,
  agents: AgentClient,
  uploads: UploadRelay,
): RouteDef[] {
  const plain = RELAYS.map((r) =>
    route(contractFor(r), async ({ params, query, body }) => {
      const node = await nodes.require(params.node_id);
      return agents.relay(nodes.addressOf(node), r.op, {
        params: agentParams(params, r.rename ?? {}),
        query,
        body,
      });
    }),
  );
  const streamed = STREAMED.map((r) =>
    route({ ...contractFor(r), raw: true }, async ({ params, query, req, res }) => {
      const node = await nodes.require(params.node_id);
      await uploads.relay({
        node,
        op: r.op,
        params: agentParams(params, r.rename ?? {}),
        query: query,
        req,
        res,
      });
    }),
  );
  return [...plain, ...streamed];
}
