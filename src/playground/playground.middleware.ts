import { Router } from 'express';
import { pagePolicy, sendPage, serveAssets, type PackageAsset } from '../common/http/browser-pages';
import { welcomeQuery } from '../ide/ide.middleware';

export const PLAYGROUND_PATH = '/playground';
export const PLAYGROUND_ASSET_PATH = `${PLAYGROUND_PATH}/assets`;

/**
 * GraphQL Playground's prebuilt bundle (React included), its stylesheet and icon, served from the
 * installed package so the page works without internet.
 */
const PKG = 'graphql-playground-react';
const ASSETS: Record<string, PackageAsset> = {
  'playground.js': { pkg: PKG, file: 'build/static/js/middleware.js', type: 'text/javascript' },
  'playground.css': { pkg: PKG, file: 'build/static/css/middleware.css', type: 'text/css' },
  'favicon.png': { pkg: PKG, file: 'build/favicon.png', type: 'image/png' },
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
    var defaultQuery = ${JSON.stringify(welcomeQuery('in HTTP HEADERS below'))};
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
 * GraphQL Playground: GET /playground, with its assets under /playground/assets/.
 *
 * The page's policy is pagePolicy(): the bundle runs without 'unsafe-eval' (its `Function(...)`
 * calls are fallbacks it never reaches in a browser); its styled-components need inline styles
 * (without them it does not render); the bundle's "share" upload to a third-party service is
 * disabled above and would be refused by `connect-src 'self'`. It loads no web fonts (the stock
 * page's Google Fonts are left out; system fonts stand in), and its images are inline data.
 */
export function playgroundRouter(graphqlPath: string): Router {
  const router = Router();
  const script = startScript(graphqlPath);
  const html = page(script);
  const policy = pagePolicy(script);
  serveAssets(router, PLAYGROUND_ASSET_PATH, ASSETS);
  router.get(PLAYGROUND_PATH, (_req, res) => sendPage(res, html, policy));
  return router;
}
