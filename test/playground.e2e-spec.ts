import { createHash } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'puppeteer-core';
import { describeInBrowser, launchChromium } from './support/browser';
import { ok, waitFor } from './support/graphql-client';
import { createProject, registerUser, type TestUser } from './support/factories';
import { operations, type Operations } from './support/operations';
import { startTestApp, type TestApp } from './support/test-app';

const ASSETS = '/playground/assets';

const browserDescribe = describeInBrowser("the Playground's browser tests");

function cspOf(res: Response): Map<string, string[]> {
  return new Map(
    (res.headers.get('content-security-policy') ?? '')
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...sources]) => [name!, sources]),
  );
}

/*
 * Scripts that run in the page, as source text: the specs are compiled without the DOM's types.
 */
/** Keeps every Content-Security-Policy violation the page reports. */
const RECORD_CSP_VIOLATIONS = `
  window.cspViolations = [];
  document.addEventListener('securitypolicyviolation', function (e) {
    window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
  });`;
const CSP_VIOLATIONS = 'window.cspViolations || []';
/** The text of the Playground's editors (CodeMirror keeps its instance on its element). */
const EDITORS_TEXT = `Array.from(document.querySelectorAll('.CodeMirror'))
  .map(function (e) { return e.CodeMirror.getValue(); }).join('\\n')`;
/** The Playground's visible text, result pane included. */
const PLAYGROUND_TEXT = "(document.querySelector('.playground') || {}).textContent || ''";

const fetchPage = (baseUrl: string) => fetch(`${baseUrl}/playground`, { headers: { accept: 'text/html' } });

describe('GraphQL Playground at /playground', () => {
  describe('outside production', () => {
    let api: TestApp;

    beforeAll(async () => {
      api = await startTestApp();
    });

    afterAll(async () => {
      await api?.close();
    });

    it('serves its own page, which loads only same-origin assets and names no other site', async () => {
      const res = await fetchPage(api.baseUrl);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      const html = await res.text();
      expect(html).toContain('GraphQLPlayground.init');
      const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
      expect(sources.sort()).toEqual([`${ASSETS}/favicon.png`, `${ASSETS}/playground.css`, `${ASSETS}/playground.js`]);
      expect(html).not.toMatch(/https?:\/\//);
      expect(html).not.toMatch(/wss?:\/\//);
      expect(html).not.toMatch(/\/\/[a-z0-9-]+\.[a-z]/i);
    });

    it('forbids framing, sniffing, referrers and caching, and lets the page run only its own scripts', async () => {
      const res = await fetchPage(api.baseUrl);
      const html = await res.text();
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cache-control')).toBe('no-store');

      const csp = cspOf(res);
      expect(csp.get('default-src')).toEqual(["'none'"]);
      expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
      expect(csp.get('object-src')).toEqual(["'none'"]);
      expect(csp.get('base-uri')).toEqual(["'none'"]);
      expect(csp.get('form-action')).toEqual(["'none'"]);
      expect(csp.get('connect-src')).toEqual(["'self'"]);
      expect(csp.get('font-src')).toEqual(["'self'", 'data:']);
      expect(csp.get('img-src')).toEqual(["'self'", 'data:']);
      expect(csp.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
      const scriptSources = csp.get('script-src') ?? [];
      const inline = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
      expect(inline).toHaveLength(1);
      const hash = `'sha256-${createHash('sha256').update(inline[0]!).digest('base64')}'`;
      expect([...scriptSources].sort()).toEqual(["'self'", hash].sort());
      expect(html).not.toMatch(/\son[a-z]+=/i);
    });

    it.each([
      ['playground.js', 'text/javascript', 'GraphQLPlayground'],
      ['playground.css', 'text/css', '#root'],
      ['favicon.png', 'image/png', '\u0089PNG'],
    ])('serves %s from the installed package with protective headers', async (name, type, marker) => {
      const res = await fetch(`${api.baseUrl}${ASSETS}/${name}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain(type);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cache-control')).toContain('max-age=');
      expect(Buffer.from(await res.arrayBuffer()).toString('latin1')).toContain(marker);
    });

    it.each(['nope.js', 'middleware.js', 'index.html', 'constructor', '..%2Fpackage.json'])(
      'answers the unknown asset %s with 404',
      async (name) => {
        const res = await fetch(`${api.baseUrl}${ASSETS}/${name}`);
        expect(res.status).toBe(404);
        expect(await res.text()).not.toContain('GraphQLPlayground');
      },
    );

    it('leaves GraphQL on /graphql as it was', async () => {
      const post = await fetch(api.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      expect(await post.json()).toEqual({ data: { __typename: 'Query' } });
    });
  });

  describe('turned off', () => {
    it('is not served when GRAPHQL_PLAYGROUND=off', async () => {
      const off = await startTestApp({ GRAPHQL_PLAYGROUND: 'off' }, { label: 'off' });
      try {
        const res = await fetchPage(off.baseUrl);
        expect(res.status).toBe(404);
        expect(await res.text()).not.toContain('GraphQLPlayground');
        const script = await fetch(`${off.baseUrl}${ASSETS}/playground.js`);
        expect(script.status).toBe(404);
        expect(await script.text()).not.toContain('GraphQLPlayground');
      } finally {
        await off.close();
      }
    });
  });

  describe('in production', () => {
    const production = { NODE_ENV: 'production' };

    it('is off unless GRAPHQL_PLAYGROUND turns it on, and then its schema can be read', async () => {
      const off = await startTestApp(production, { label: 'prod-off' });
      try {
        const res = await fetchPage(off.baseUrl);
        expect(res.status).toBe(404);
        expect(await res.text()).not.toContain('GraphQLPlayground');
        expect((await fetch(`${off.baseUrl}${ASSETS}/playground.js`)).status).toBe(404);
      } finally {
        await off.close();
      }
      const on = await startTestApp({ ...production, GRAPHQL_PLAYGROUND: 'on' }, { label: 'prod-on' });
      try {
        const res = await fetchPage(on.baseUrl);
        expect(res.status).toBe(200);
        expect(await res.text()).toContain('GraphQLPlayground.init');
        // The IDE stays off; introspection, which the Playground's schema and docs need, is on.
        const ide = await fetch(on.url, { headers: { accept: 'text/html' } });
        expect(await ide.text()).not.toContain('GraphiQL');
        const introspection = await fetch(on.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ __schema { queryType { name } } }' }),
        });
        expect(await introspection.json()).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
      } finally {
        await on.close();
      }
    });
  });

  browserDescribe('in a browser', () => {
    let api: TestApp;
    let ops: Operations;
    let owner: TestUser;
    let browser: Browser;
    let apiOrigin: string;
    let wsOrigin: string;

    /** Every request the page made, which ones went elsewhere, its WebSockets, and what its policy refused. */
    interface Session {
      page: Page;
      context: BrowserContext;
      requests: string[];
      foreign: string[];
      sockets: { url: string; protocol?: string }[];
      problems: string[];
      /** How many types the Playground's introspection of /graphql returned. */
      schemaTypes?: number;
    }

    async function openPage(path: string): Promise<Session> {
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      page.setDefaultTimeout(60_000);
      const session: Session = { page, context, requests: [], foreign: [], sockets: [], problems: [] };
      await page.setRequestInterception(true);
      page.on('request', (request) => {
        const url = request.url();
        session.requests.push(url);
        if (url.startsWith('data:') || new URL(url).origin === apiOrigin) {
          void request.continue();
        } else {
          session.foreign.push(url);
          void request.abort('blockedbyclient');
        }
      });
      // WebSockets bypass request interception; the DevTools protocol reports them and their handshake.
      const cdp = await page.createCDPSession();
      await cdp.send('Network.enable');
      const byId = new Map<string, { url: string; protocol?: string }>();
      cdp.on('Network.webSocketCreated', ({ requestId, url }) => {
        const socket = { url };
        byId.set(requestId, socket);
        session.sockets.push(socket);
        if (new URL(url).origin !== wsOrigin) session.foreign.push(url);
      });
      cdp.on('Network.webSocketWillSendHandshakeRequest', ({ requestId, request }) => {
        const socket = byId.get(requestId);
        const headers = Object.fromEntries(
          Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), String(value)]),
        );
        if (socket) socket.protocol = headers['sec-websocket-protocol'];
      });
      page.on('response', (response) => {
        const request = response.request();
        if (request.method() !== 'POST' || !(request.postData() ?? '').includes('__schema')) return;
        void response
          .json()
          .then((body: { data?: { __schema?: { types?: unknown[] } } }) => {
            session.schemaTypes = body.data?.__schema?.types?.length;
          })
          .catch((error: unknown) => session.problems.push(`introspection response: ${String(error)}`));
      });
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) session.problems.push(message.text());
      });
      page.on('pageerror', (error) => session.problems.push(`page error: ${String(error)}`));
      await page.evaluateOnNewDocument(RECORD_CSP_VIOLATIONS);
      await page.goto(`${api.baseUrl}${path}`, { waitUntil: 'load', timeout: 60_000 });
      return session;
    }

    async function closePage(session: Session): Promise<void> {
      const violations = await session.page.evaluate(CSP_VIOLATIONS);
      await session.context.close();
      expect(session.foreign).toEqual([]);
      expect(violations).toEqual([]);
      expect(session.problems).toEqual([]);
    }

    const queryEditorText = async (page: Page) => String(await page.evaluate(EDITORS_TEXT));

    beforeAll(async () => {
      api = await startTestApp({}, { label: 'browser' });
      ops = operations(api.url);
      owner = await registerUser(api.url);
      apiOrigin = new URL(api.baseUrl).origin;
      wsOrigin = new URL(api.wsUrl).origin;
      browser = await launchChromium();
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await api?.close();
    });

    it('renders the Playground with a default tab, fetching its schema from this server only', async () => {
      const session = await openPage('/playground');
      const { page } = session;
      await page.waitForSelector('.playground');
      await page.waitForSelector('[title="Execute Query (Ctrl-Enter)"]');
      await waitFor(async () => (await queryEditorText(page)).includes('query Me'), 60_000, 'the default tab');
      expect(await queryEditorText(page)).toContain('Authorization": "Bearer');
      // The schema is introspected over HTTP from this origin, within the API's document limits.
      const types = await waitFor(async () => session.schemaTypes, 60_000, 'the introspected schema');
      expect(types).toBeGreaterThan(20);
      expect(session.requests).toContain(api.url);
      await closePage(session);
    }, 180_000);

    it('opens a tab with the operation a link names', async () => {
      const operation = 'query Projects { projects(first: 5) { totalCount } }';
      const session = await openPage(`/playground?query=${encodeURIComponent(operation)}`);
      await waitFor(async () => (await queryEditorText(session.page)).includes(operation), 60_000, 'the linked tab');
      expect(await queryEditorText(session.page)).not.toContain('query Me');
      await closePage(session);
    }, 180_000);

    it('runs a subscription over the legacy protocol on the same origin and shows its events', async () => {
      const project = await createProject(api.url, owner.accessToken);
      const tabs = [
        {
          endpoint: api.url,
          name: 'Project events',
          query: `subscription { projectEvents(projectId: "${project.id}") { name projectId } }`,
          headers: { Authorization: `Bearer ${owner.accessToken}` },
        },
      ];
      const session = await openPage(`/playground?tabs=${encodeURIComponent(JSON.stringify(tabs))}`);
      const { page } = session;
      await waitFor(async () => (await queryEditorText(page)).includes('projectEvents'), 60_000, 'the preset tab');
      const run = await page.waitForSelector('[title="Execute Query (Ctrl-Enter)"]');
      await run!.click();

      await waitFor(async () => session.sockets.some((s) => s.protocol), 60_000, 'the WebSocket handshake');
      expect(new Set(session.sockets.map((s) => s.url))).toEqual(new Set([api.wsUrl]));
      // The client may retry a connection that opened slowly: every socket it opened is checked.
      for (const socket of session.sockets.filter((s) => s.protocol)) {
        expect(socket.url).toBe(api.wsUrl);
        // subscriptions-transport-ws offers only the legacy protocol, named `graphql-ws`.
        expect(socket.protocol).toBe('graphql-ws');
      }

      // The subscription starts some time after the socket opens: rename now and then until an event shows.
      let polls = 0;
      await waitFor(
        async () => {
          if (polls++ % 20 === 0) {
            ok(await ops.projects.update(owner.accessToken, { id: project.id, name: `Renamed ${polls}` }));
          }
          const text = String(await page.evaluate(PLAYGROUND_TEXT));
          return text.includes('"project.updated"') && text.includes(project.id);
        },
        90_000,
        'the event in the result pane',
      );
      await closePage(session);
    }, 240_000);
  });
});
