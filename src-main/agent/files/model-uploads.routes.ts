import { AGENT_API as api } from '../../shared/agent-protocol/api.js';
import { AppError } from '../../shared/errors.js';
import { isDiskFull } from '../../shared/node/http-errors.js';
import { route, type RouteContext, type RouteDef } from '../../shared/node/route.js';
import type { ResolvedFileDeps } from './file-deps.js';
import { uploadModelArchive } from './model-archive.js';
import type { UploadSessions } from './upload-sessions.js';

/**
 * Wraps a streamed-body handler: when it fails before the body was read to the end, the response
 * closes the connection instead of making Node drain a possibly huge remainder.
 */
export function streamed<P, Q, R>(
  fn: (input: RouteContext<P, Q, undefined>) => Promise<R>,
): (input: RouteContext<P, Q, undefined>) => Promise<R> {
  return async (input) => {
    try {
      return await fn(input);
    } catch (err) {
      if (input.req.complete || input.res.headersSent) throw err;
      input.res.setHeader('connection', 'close');
      // A client that went away mid-body is not a server fault: answer (if anyone listens) without
      // logging a 500. A full disk also ends the body early, but it is the node's fault: a 507.
      if (!(err instanceof AppError) && !isDiskFull(err) && input.req.destroyed) {
        throw new AppError(
          'bad_request',
          'The request body was cut off before it ended; nothing from it was kept. Send it again.',
        );
      }
      throw err;
    }
  };
}

/** Streamed folder uploads and archive uploads into the managed model directory. */
export function modelUploadRoutes(deps: ResolvedFileDeps, sessions: UploadSessions): RouteDef[] {
  return [
    route(api.uploadBegin, ({ body }) =>
      sessions.begin(body.name, body.total_bytes, body.file_count),
    ),
    route(
      api.uploadFile,
      streamed(({ params, query, req }) => sessions.writeFile(params.sid, query.path, req)),
    ),
    route(api.uploadFinish, ({ params, body }) =>
      sessions.finish(params.sid, body?.flatten ?? false),
    ),
    route(api.uploadAbort, ({ params }) => sessions.abort(params.sid)),
    route(
      api.archive,
      streamed(({ query, req }) => uploadModelArchive(deps, query.name, query.filename, req)),
    ),
  ];
}
