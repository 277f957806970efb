import { Router, type Request, type Response, type NextFunction } from 'express';
import { pagePolicy, sendPage, serveAssets, type PackageAsset } from '../common/http/browser-pages';

/** The IDE's scripts and styles, served from installed packages so it works without internet. */
const ASSETS: Record<string, PackageAsset> = {
  'react.js': { pkg: 'react', file: 'umd/react.production.min.js', type: 'text/javascript' },
  'react-dom.js': { pkg: 'react-dom', file: 'umd/react-dom.production.min.js', type: 'text/javascript' },
  'graphiql.js': { pkg: 'graphiql', file: 'graphiql.min.js', type: 'text/javascript' },
  'graphiql.css': { pkg: 'graphiql', file: 'graphiql.min.css', type: 'text/css' },
};

export const IDE_ASSET_PATH = '/graphql/ide';

/**
 * The query a first visit to the IDE or the Playground opens with: how to sign in and send the
 * token, and a first query. `headers` says where the page takes HTTP headers.
 */
export function welcomeQuery(headers: string): string {
  return [
    `# Sign in with the login mutation, then put the access token ${headers}:`,
    '#   { "Authorization": "Bearer <accessToken>" }',
    '# Subscriptions (projectEvents) run over WebSocket with the same header.',
    '',
    'query Me {',
    '  me { id email name }',
    '}',
    '',
  ].join('\n');
}

/** The page's one inline script: it starts GraphiQL against this server's endpoint. */
function startScript(graphqlPath: string): string {
  return `
    var http = location.origin + ${JSON.stringify(graphqlPath)};
    var ws = http.replace(/^http/, 'ws');
    var fetcher = GraphiQL.createFetcher({ url: http, subscriptionUrl: ws });
    var defaultQuery = ${JSON.stringify(welcomeQuery('in the Headers tab'))};
    ReactDOM.createRoot(document.getElementById('ide')).render(
      React.createElement(GraphiQL, {
        fetcher: fetcher,
        defaultQuery: defaultQuery,
        shouldPersistHeaders: true,
        isHeadersEditorEnabled: true,
        defaultEditorToolsVisibility: true
      })
    );
  `;
}

function page(script: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <title>Slipway GraphQL IDE</title>
  <link rel="stylesheet" href="${IDE_ASSET_PATH}/graphiql.css" />
  <style>html, body, #ide { height: 100%; margin: 0; }</style>
</head>
<body>
  <div id="ide">Loading…</div>
  <script src="${IDE_ASSET_PATH}/react.js"></script>
  <script src="${IDE_ASSET_PATH}/react-dom.js"></script>
  <script src="${IDE_ASSET_PATH}/graphiql.js"></script>
  <script>${script}</script>
</body>
</html>`;
}

function wantsHtml(req: Request): boolean {
  return req.method === 'GET' && req.query.query === undefined && (req.get('accept') ?? '').includes('text/html');
}

/** The GraphQL IDE: GET /graphql from a browser, with its assets under /graphql/ide/. */
export function ideRouter(graphqlPath: string): Router {
  const router = Router();
  const script = startScript(graphqlPath);
  const html = page(script);
  const policy = pagePolicy(script);
  serveAssets(router, IDE_ASSET_PATH, ASSETS);
  // Browsers ask for it on every IDE visit; answering keeps their consoles clean.
  router.get('/favicon.ico', (_req: Request, res: Response) => {
    res.status(204).set('Cache-Control', 'public, max-age=86400').end();
  });
  router.get(graphqlPath, (req: Request, res: Response, next: NextFunction) => {
    if (!wantsHtml(req)) return next();
    sendPage(res, html, policy);
  });
  return router;
}
