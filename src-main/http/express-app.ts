import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { createLogger } from '../logging/logger.js';
import { errorReply } from '../shared/node/http-errors.js';
import { isJsonContentType, readJsonBody } from '../shared/node/json-body.js';
import { bodyPending } from '../shared/node/read-body.js';
import { expressPath, validateInputs, type RouteDef } from '../shared/node/route.js';
import {
  ADMIN_AUTH_DETAIL,
  clusterTokenProblem,
  isAdminAllowed,
  type AccessPolicy,
} from './middleware/auth.js';

const log = createLogger('http');

export interface ExpressAppOptions {
  routes: readonly RouteDef[];
  access: AccessPolicy;
  /** Folder of the built console, served at `/` when present. */
  consoleDir?: string | undefined;
  /** Extra static folders: URL prefix → directory. */
  staticDirs?: Readonly<Record<string, string>>;
}

function wrap(def: RouteDef) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      // Express 5 gives a `*name` splat as its segments; routes see the path, as on the agent.
      const params = Object.fromEntries(
        Object.entries(req.params as Record<string, unknown>).map(([k, v]) => [
          k,
          Array.isArray(v) ? v.join('/') : v,
        ]),
      );
      const input = validateInputs(def, {
        params,
        query: { ...(req.query as object) },
        body: req.body,
      });
      const result: unknown = await def.handler({ ...input, req, res });
      if (def.raw || res.headersSent) return;
      const status = def.status ?? 200;
      if (status === 204) res.status(204).end();
      else res.status(status).json(result);
    } catch (err) {
      next(err);
    }
  };
}

/**
 * A client error raised by Express itself rather than by a route (a path parameter or static path
 * that is not valid percent-encoding, a static file request it refuses): its 4xx and a detail.
 */
function frameworkClientError(err: unknown): { status: number; detail: string } | null {
  if (err instanceof URIError)
    return { status: 400, detail: 'The request path is not valid percent-encoding.' };
  if (typeof err !== 'object' || err === null) return null;
  const e = err as { status?: unknown; statusCode?: unknown; expose?: unknown; message?: unknown };
  const status = typeof e.status === 'number' ? e.status : e.statusCode;
  if (typeof status !== 'number' || status < 400 || status > 499 || e.expose !== true) return null;
  return { status, detail: typeof e.message === 'string' ? e.message : 'Bad Request' };
}

/** Builds the Express application: auth, JSON parsing, every route, 404 and the error mapper. */
export function createExpressApp(opts: ExpressAppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use((_req: Request, res: Response, next: NextFunction) => {
    const id = randomUUID();
    res.locals.requestId = id;
    res.setHeader('x-request-id', id);
    next();
  });
  // Routes agents call take the cluster token; every other /api route the admin credential.
  const clusterPaths = new Set(
    opts.routes.filter((r) => r.credential === 'cluster').map((r) => r.path),
  );
  app.use(['/api', '/api/*splat'], (req: Request, res: Response, next: NextFunction) => {
    // `req.path` is relative to the mount point here; the route paths are absolute.
    if (clusterPaths.has(req.originalUrl.split('?')[0] ?? '')) {
      const problem = clusterTokenProblem(opts.access, req.headers.authorization);
      if (problem === null) return next();
      if (bodyPending(req)) res.setHeader('connection', 'close');
      res.status(401).setHeader('www-authenticate', 'Bearer').json({ detail: problem });
      return;
    }
    if (isAdminAllowed(opts.access, req.socket.remoteAddress, req.headers.authorization))
      return next();
    if (bodyPending(req)) res.setHeader('connection', 'close');
    res.status(401).setHeader('www-authenticate', 'Bearer').json({ detail: ADMIN_AUTH_DETAIL });
  });
  const json = (req: Request, _res: Response, next: NextFunction) => {
    if (!isJsonContentType(req.headers['content-type'])) return next();
    readJsonBody(req).then((body) => {
      req.body = body;
      next();
    }, next);
  };
  // Upload routes read their body as a stream (relayed to an agent): never parse it here.
  for (const def of opts.routes)
    if (def.streamBody !== undefined) app[def.method](expressPath(def.path), wrap(def));
    else app[def.method](expressPath(def.path), json, wrap(def));
  for (const [prefix, dir] of Object.entries(opts.staticDirs ?? {}))
    app.use(prefix, express.static(dir, { index: false, fallthrough: true, maxAge: '1h' }));
  if (opts.consoleDir) app.use('/', express.static(opts.consoleDir, { index: 'index.html' }));
  app.use((req: Request, res: Response) => {
    if (bodyPending(req)) res.setHeader('connection', 'close');
    res.status(404).json({ detail: 'Not Found' });
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (bodyPending(req)) res.setHeader('connection', 'close');
    const framework = frameworkClientError(err);
    if (framework) {
      res.status(framework.status).json({ detail: framework.detail });
      return;
    }
    const reply = errorReply(err);
    if (reply.log !== undefined)
      log.error(reply.log, {
        request_id: res.locals.requestId,
        method: req.method,
        path: req.path,
        err,
      });
    if (reply.requestId !== undefined) {
      // The response's x-request-id header and the body name the same id.
      const requestId = String(res.locals.requestId);
      reply.body.request_id = requestId;
      log.error('unhandled error', {
        request_id: requestId,
        method: req.method,
        path: req.path,
        err,
      });
    }
    res.status(reply.status).json(reply.body);
  });
  return app;
}
