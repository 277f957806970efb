import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Router, type Request, type Response } from 'express';

export const PLAYGROUND_PATH = '/playground';
export const PLAYGROUND_ASSET_PATH = `${PLAYGROUND_PATH}/assets`;

/**
 * GraphQL Playground's prebuilt bundle (React included), its stylesheet and icon, served from the
 * installed package so the page works without internet.
 */
const ASSETS: Record<string, { file: string; type: string }> = {
  'playground.js': { file: 'build/static/js/middleware.js', type: 'text/javascript' },
  'playground.css': { file: 'build/static/css/middleware.css', type: 'text/css' },
  'favicon.png': { file: 'build/favicon.png', type: 'image/png' },
};

/**
 * The page's one inline script: it starts the Playground against this server's endpoint, with
 * subscriptions over the legacy `graphql-ws` protocol (subscriptions-transport-ws) on the same
 * origin. A visit with `?query=` or `?tabs=` opens those tabs (the Playground reads them itself);
 * a first visit opens a default tab; later visits restore the tabs the Playground saved.
 */
function startScript(graphqlPath: string): string {
  return `
    var endpoint = location.origin + ${JSON.stringify(graphqlPath)};
    var defaultQuery = [
      '# Sign in with the login mutation, then put the access token in HTTP HEADERS below:',
      '#   { "Authorization": "Bearer <accessToken>" }',
      '# Subscriptions (projectEvents) run over WebSocket with the same header.',
      '',
      'query Me {',
      '  me { id email name }',
      '}',
      ''
    ].join('\\n');
    var options = {
      endpoint: endpoint,
      subscriptionEndpoint: endpoint.replace(/^http/, 'ws'),
      // Sharing uploads the session to a third-party service.
      shareEnabled: false,
      canSaveConfig: false,
      settings: {
        // The schema is fetched on load and on "reload schema", not every two seconds.
        'schema.polling.enable': false,
        'request.credentials': 'omit'
      }
    };
    var params = new URLSearchParams(location.search);
    var saved = false;
    try { saved = localStorage.getItem('graphql-playground') !== null; } catch (e) {}
    if (!params.has('query') && !params.has('tabs') && !saved) {
      options.tabs = [{ endpoint: endpoint, name: 'Me', query: defaultQuery }];
    }
    document.getElementById('loading').remove();
    GraphQLPlayground.init(document.getElementById('root'), options);
  `;
}

function page(script: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <title>Slipway GraphQL Playground</title>
  <link rel="icon" type="image/png" href="${PLAYGROUND_ASSET_PATH}/favicon.png" />
  <link rel="stylesheet" href="${PLAYGROUND_ASSET_PATH}/playground.css" />
  <style>
    html, body, #root { height: 100%; margin: 0; background: #172a3a; }
    #loading { color: rgba(255, 255, 255, 0.6); font: 24px sans-serif; text-align: center; padding-top: 40vh; }
  </style>
</head>
<body>
  <div id="loading">Loading GraphQL Playground…</div>
  <div id="root"></div>
  <script src="${PLAYGROUND_ASSET_PATH}/playground.js"></script>
  <script>${script}</script>
</body>
</html>`;
}

/**
 * The page runs only the bundle and its one inline script (by hash), talks only to this origin
 * (HTTP and WebSocket: the bundle's "share" upload to a third-party service is disabled and would
 * be refused), and may not be framed. The bundle runs without 'unsafe-eval': its `Function(...)`
 * calls are fallbacks it never reaches in a browser. Styles allow inline: the Playground's
 * styled-components add `<style>` elements with no nonce (without them it does not render), and a
 * style cannot run code. It loads no
 * web fonts (the stock page's Google Fonts are left out; system fonts stand in), and its images
 * are inline data.
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

/** Headers for everything the Playground serves: no framing (older browsers read X-Frame-Options), no sniffing, no referrer. */
const PROTECTIVE_HEADERS = {
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

const assetCache = new Map<string, Buffer>();

function asset(name: string): { body: Buffer; type: string } | undefined {
  const entry = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (!entry) return undefined;
  let body = assetCache.get(name);
  if (!body) {
    // The build directory is outside the package's entry points; its directory can be resolved.
    const dir = path.dirname(require.resolve('graphql-playground-react/package.json'));
    body = readFileSync(path.join(dir, entry.file));
    assetCache.set(name, body);
  }
  return { body, type: entry.type };
}

/** GraphQL Playground: GET /playground, with its assets under /playground/assets/. */
export function playgroundRouter(graphqlPath: string): Router {
  const router = Router();
  const script = startScript(graphqlPath);
  const html = page(script);
  const csp = contentSecurityPolicy(script);
  router.get(`${PLAYGROUND_ASSET_PATH}/:name`, (req: Request, res: Response) => {
    const found = asset(String(req.params.name));
    if (!found) {
      res.status(404).set(PROTECTIVE_HEADERS).type('text/plain').send('Not found');
      return;
    }
    res.type(found.type).set(PROTECTIVE_HEADERS).set('Cache-Control', 'public, max-age=86400').send(found.body);
  });
  router.get(PLAYGROUND_PATH, (_req: Request, res: Response) => {
    res
      .type('html')
      .set(PROTECTIVE_HEADERS)
      .set({ 'Content-Security-Policy': csp, 'Cache-Control': 'no-store' })
      .send(html);
  });
  return router;
}
