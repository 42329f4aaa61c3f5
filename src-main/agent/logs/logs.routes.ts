import { AGENT_API as api } from '../../shared/agent-protocol/api.js';
import { AppError } from '../../shared/errors.js';
import { route, type RouteDef } from '../../shared/node/route.js';
import type { LogRegistry } from './log-registry.js';
import { LOG_TAIL_LINES } from './log-store.js';

function storeFor(logs: LogRegistry, key: string) {
  const store = logs.reader(key);
  if (!store) throw new AppError('not_found', `No logs for deployment '${key}' on this node.`);
  return store;
}

/**
 * `GET /deployments/logs` (tail, clamped 1..2000) and `GET /deployments/logs/download` (the whole
 * run), for running deployments and for stopped ones whose log is still on disk.
 */
export function logsRoutes(logs: LogRegistry): RouteDef[] {
  return [
    route(api.logs, ({ query }) => ({
      key: query.key,
      lines: storeFor(logs, query.key).tail(query.tail ?? LOG_TAIL_LINES),
    })),
    route({ ...api.logsDownload, raw: true }, async ({ query, res }) => {
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
    }),
  ];
}
