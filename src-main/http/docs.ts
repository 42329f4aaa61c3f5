import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { sendJson, sendText } from '../shared/node/http-errors.js';
import { route, type RouteDef } from '../shared/node/route.js';

const require = createRequire(import.meta.url);

/** Folders of the Swagger UI and ReDoc bundles shipped as npm packages (no external URL). */
export function docsAssetDirs(): Record<string, string> {
  return {
    '/docs/assets': dirname(require.resolve('swagger-ui-dist/package.json')),
    '/redoc/assets': join(dirname(require.resolve('redoc/package.json')), 'bundles'),
  };
}

const SWAGGER_HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Aerie API — Swagger UI</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`;

const SWAGGER_INIT = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: 'StandaloneLayout'
});
`;

const REDOC_HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Aerie API — ReDoc</title>
  <!-- ReDoc's sidebar always loads a logo from cdn.redoc.ly; the docs load nothing from outside this server. -->
  <meta http-equiv="Content-Security-Policy" content="img-src 'self' data:">
  <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
  <meta name="viewport" content="width=device-width, initial-scale=1">
</head>
<body>
  <redoc spec-url="/openapi.json" hide-download-button="false"></redoc>
  <script src="/redoc/assets/redoc.standalone.js"></script>
</body>
</html>
`;

/** `/openapi.json`, `/docs` and `/redoc`; the spec is built lazily once from every route. */
export function docsRoutes(spec: () => Record<string, unknown>): RouteDef[] {
  let cached: Record<string, unknown> | null = null;
  const page =
    (type: string, body: string) =>
    ({ res }: { res: ServerResponse }) => {
      sendText(res, 200, `${type}; charset=utf-8`, body, { 'cache-control': 'no-cache' });
    };
  return [
    route(
      {
        method: 'get',
        path: '/openapi.json',
        tag: 'Docs',
        summary: 'The OpenAPI 3.1 document of this API.',
        raw: true,
        produces: 'application/json',
      },
      ({ res }) => {
        cached ??= spec();
        sendJson(res, 200, cached);
      },
    ),
    route(
      {
        method: 'get',
        path: '/docs',
        tag: 'Docs',
        summary: 'Swagger UI.',
        raw: true,
        produces: 'text/html',
      },
      page('text/html', SWAGGER_HTML),
    ),
    route(
      {
        method: 'get',
        path: '/docs/init.js',
        tag: 'Docs',
        summary: 'Swagger UI start-up script.',
        raw: true,
        produces: 'text/javascript',
      },
      page('text/javascript', SWAGGER_INIT),
    ),
    route(
      {
        method: 'get',
        path: '/redoc',
        tag: 'Docs',
        summary: 'ReDoc.',
        raw: true,
        produces: 'text/html',
      },
      page('text/html', REDOC_HTML),
    ),
  ];
}
