// The one call an agent makes to the control plane: announcing itself (DESIGN.md §4 Discovery).
import { z } from 'zod';
import { contract } from '../http-contract.js';
import { AnnounceBodySchema } from './node.js';

/** The Consul service agents register under, and the control plane reads. */
export const CONSUL_SERVICE_NAME = 'aerie-agent';

/** What `POST /api/agents/announce` answers: registered (a node), or pending operator approval. */
export const AnnounceReplySchema = z
  .object({
    status: z.enum(['registered', 'pending']),
    node_id: z.number().int().nullable(),
  })
  .meta({ id: 'AnnounceReply' });

/** `POST /api/agents/announce`, with the cluster token (not the admin token). */
export const ANNOUNCE_API = contract({
  method: 'post',
  path: '/api/agents/announce',
  tag: 'Nodes',
  summary: 'An agent announces itself (cluster token); creates or updates its node by name.',
  description:
    'Authenticated with `Authorization: Bearer <cluster token>`. With the setting `auto_register_nodes` off, the agent is listed by `GET /api/nodes/discovered` until it is registered.',
  body: AnnounceBodySchema,
  response: AnnounceReplySchema,
  errors: [401],
  credential: 'cluster',
});
