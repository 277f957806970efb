import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Router, type Request, type Response, type NextFunction } from 'express';

/** The IDE's scripts and styles, served from installed packages so it works without internet. */
const ASSETS: Record<string, { pkg: string; file: string; type: string }> = {
  'react.js': { pkg: 'react', file: 'umd/react.production.min.js', type: 'text/javascript' },
  'react-dom.js': { pkg: 'react-dom', file: 'umd/react-dom.production.min.js', type: 'text/javascript' },
  'graphiql.js': { pkg: 'graphiql', file: 'graphiql.min.js', type: 'text/javascript' },
  'graphiql.css': { pkg: 'graphiql', file: 'graphiql.min.css', type: 'text/css' },
};

export const IDE_ASSET_PATH = '/graphql/ide';

/** The page's one inline script: it starts GraphiQL against this server's endpoint. */
function startScript(graphqlPath: string): string {
  return `
    var http = location.origin + ${JSON.stringify(graphqlPath)};
    var ws = http.replace(/^http/, 'ws');
    var fetcher = GraphiQL.createFetcher({ url: http, subscriptionUrl: ws });
    var defaultQuery = [
      '# Sign in with the login mutation, then put the access token in the Headers tab:',
      '#   { "Authorization": "Bearer <accessToken>" }',
      '# Subscriptions (projectEvents) run over WebSocket with the same header.',
      '',
      'query Me {',
      '  me { id email name }',
      '}',
      ''
    ].join('\\n');
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

/**
 * The page runs only its own files and its one inline script (by hash), talks only to this origin
 * (HTTP and WebSocket), and may not be framed. Styles allow inline: GraphiQL's dialogs add
 * `<style>` elements it offers no way to give a nonce, and a style cannot run code. Fonts and
 * images come from the stylesheet as data: URLs.
 */
function contentSecurityPolicy(script: string): string {
  const scriptHash = createHash('sha256').update(script).digest('base64');
  return [
    "default-src 'none'",
    `script-src 'self' 'sha256-${scriptHash}'`,
    "style-src 'self' 'unsafe-inline'",
    "font-src 'self' data:",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

/** Headers for everything the IDE serves: no framing (older browsers read X-Frame-Options), no sniffing, no referrer. */
const PROTECTIVE_HEADERS = {
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

const assetCache = new Map<string, Buffer>();

function asset(name: string): { body: Buffer; type: string } | undefined {
  const entry = ASSETS[name];
  if (!entry) return undefined;
  let body = assetCache.get(name);
  if (!body) {
    // Files outside a package's `exports` map cannot be resolved directly; its directory can.
    const dir = path.dirname(require.resolve(`${entry.pkg}/package.json`));
    body = readFileSync(path.join(dir, entry.file));
    assetCache.set(name, body);
  }
  return { body, type: entry.type };
}

function wantsHtml(req: Request): boolean {
  return req.method === 'GET' && req.query.query === undefined && (req.get('accept') ?? '').includes('text/html');
}

/** The GraphQL IDE: GET /graphql from a browser, with its assets under /graphql/ide/. */
export function ideRouter(graphqlPath: string): Router {
  const router = Router();
  const script = startScript(graphqlPath);
  const html = page(script);
  const csp = contentSecurityPolicy(script);
  router.get(`${IDE_ASSET_PATH}/:name`, (req: Request, res: Response) => {
    const found = asset(String(req.params.name));
    if (!found) {
      res.status(404).type('text/plain').send('Not found');
      return;
    }
    res.type(found.type).set(PROTECTIVE_HEADERS).set('Cache-Control', 'public, max-age=86400').send(found.body);
  });
  // Browsers ask for it on every IDE visit; answering keeps their consoles clean.
  router.get('/favicon.ico', (_req: Request, res: Response) => {
    res.status(204).set('Cache-Control', 'public, max-age=86400').end();
  });
  router.get(graphqlPath, (req: Request, res: Response, next: NextFunction) => {
    if (!wantsHtml(req)) return next();
    res
      .type('html')
      .set(PROTECTIVE_HEADERS)
      .set({ 'Content-Security-Policy': csp, 'Cache-Control': 'no-store' })
      .send(html);
  });
  return router;
}
