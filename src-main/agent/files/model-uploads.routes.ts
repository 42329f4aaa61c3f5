import { z } from 'zod';
import {
  AgentHttpError,
  agentRoute,
  type AgentRequest,
  type AgentRoute,
} from '../http/agent-route.js';
import type { ResolvedFileDeps } from './file-deps.js';
import { uploadModelArchive } from './model-archive.js';
import type { UploadSessions } from './upload-sessions.js';

const BeginBody = z.object({
  name: z.string(),
  total_bytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  file_count: z.number().int().min(0).max(1_000_000),
});
const FinishBody = z.object({ flatten: z.boolean().optional() }).optional();
const SessionParam = z.object({ sid: z.string() });
const PathQuery = z.object({ path: z.string() });
const ArchiveQuery = z.object({ name: z.string(), filename: z.string() });

/**
 * Wraps a streamed-body handler: when it fails before the body was read to the end, the response
 * closes the connection instead of making Node drain a possibly huge remainder.
 */
export function streamed<P, Q>(
  fn: (input: AgentRequest<P, Q, undefined>) => Promise<unknown>,
): (input: AgentRequest<P, Q, undefined>) => Promise<unknown> {
  return async (input) => {
    try {
      return await fn(input);
    } catch (err) {
      if (input.req.complete || input.res.headersSent) throw err;
      input.res.setHeader('connection', 'close');
      // A client that went away mid-body is not a server fault: answer (if anyone listens) without logging a 500.
      if (!(err instanceof AgentHttpError) && input.req.destroyed) {
        throw new AgentHttpError(
          400,
          'The request body was cut off before it ended; nothing from it was kept. Send it again.',
        );
      }
      throw err;
    }
  };
}

/** Streamed folder uploads and archive uploads into the managed model directory. */
export function modelUploadRoutes(deps: ResolvedFileDeps, sessions: UploadSessions): AgentRoute[] {
  return [
    agentRoute({
      method: 'POST',
      path: '/local-models/upload/begin',
      summary: 'Start a folder upload: reserves the name after a free-disk check',
      body: BeginBody,
      handler: ({ body }) => sessions.begin(body.name, body.total_bytes, body.file_count),
    }),
    agentRoute({
      method: 'PUT',
      path: '/local-models/upload/:sid/file',
      summary: 'Stream one file of a folder upload (raw body) to ?path=<relative path>',
      params: SessionParam,
      query: PathQuery,
      streamBody: true,
      handler: streamed(({ params, query, req }) =>
        sessions.writeFile(params.sid, query.path, req),
      ),
    }),
    agentRoute({
      method: 'POST',
      path: '/local-models/upload/:sid/finish',
      summary:
        'Move the uploaded folder into place (optionally flattening a single wrapping folder)',
      params: SessionParam,
      body: FinishBody,
      handler: ({ params, body }) => sessions.finish(params.sid, body?.flatten ?? false),
    }),
    agentRoute({
      method: 'POST',
      path: '/local-models/upload/:sid/abort',
      summary: 'Abandon a folder upload and delete what it staged',
      params: SessionParam,
      handler: ({ params }) => sessions.abort(params.sid),
    }),
    agentRoute({
      method: 'POST',
      path: '/local-models/archive',
      summary: 'Upload a .tar.gz, .tgz or .zip (raw body) and extract it as a managed model',
      query: ArchiveQuery,
      streamBody: true,
      handler: streamed(({ query, req }) =>
        uploadModelArchive(deps, query.name, query.filename, req),
      ),
    }),
  ];
}
