import { z } from 'zod';
import type { LogRegistry } from '../logs/log-registry.js';
import { LOG_TAIL_LINES } from '../logs/log-store.js';
import { AgentHttpError, agentRoute, type AgentRoute } from './agent-route.js';

const KeyQuery = z.object({ key: z.string().min(1, 'key is required ("<model>:<port>")') });
const TailQuery = KeyQuery.extend({
  tail: z
    .string()
    .regex(/^-?\d+$/, 'tail must be a whole number')
    .transform(Number)
    .optional(),
});

function storeFor(logs: LogRegistry, key: string) {
  const store = logs.get(key);
  if (!store) throw new AgentHttpError(404, `No logs for deployment '${key}' on this node.`);
  return store;
}

/** `GET /deployments/logs` (tail, clamped 1..2000) and `GET /deployments/logs/download` (the whole run). */
export function logsRoutes(logs: LogRegistry): AgentRoute[] {
  return [
    agentRoute({
      method: 'GET',
      path: '/deployments/logs',
      summary: 'The last lines of a deployment log',
      query: TailQuery,
      handler: ({ query }) => ({
        key: query.key,
        lines: storeFor(logs, query.key).tail(query.tail ?? LOG_TAIL_LINES),
      }),
    }),
    agentRoute({
      method: 'GET',
      path: '/deployments/logs/download',
      summary: 'The full log of the current run (overflow part, then active part)',
      query: KeyQuery,
      raw: true,
      handler: async ({ query, res }) => {
        const store = storeFor(logs, query.key);
        const stream = store.download();
        res.writeHead(200, {
          'content-type': 'text/plain; charset=utf-8',
          'content-disposition': `attachment; filename="${store.fileName}"`,
        });
        await new Promise<void>((resolve, reject) => {
          stream.once('error', reject);
          res.once('close', () => {
            stream.destroy();
            resolve();
          });
          stream.pipe(res);
        });
      },
    }),
  ];
}
