import { createHash } from 'node:crypto';
import { startTestApp, type TestApp } from './support/test-app';

describe('GraphQL IDE at /graphql', () => {
  describe('outside production', () => {
    let api: TestApp;

    beforeAll(async () => {
      api = await startTestApp();
    });

    afterAll(async () => {
      await api?.close();
    });

    it('serves the IDE page to a browser, loading only same-origin assets', async () => {
      const res = await fetch(api.url, { headers: { accept: 'text/html' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      const html = await res.text();
      expect(html).toContain('GraphiQL');
      const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
      expect(sources.length).toBeGreaterThanOrEqual(4);
      for (const source of sources) expect(source.startsWith('/graphql/ide/')).toBe(true);
      expect(html).not.toMatch(/https?:\/\/(?!\$)/);
    });

    it('forbids framing, sniffing and referrers, and lets the page run only its own scripts', async () => {
      const res = await fetch(api.url, { headers: { accept: 'text/html' } });
      const html = await res.text();
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');

      const csp = new Map(
        (res.headers.get('content-security-policy') ?? '')
          .split(';')
          .map((d) => d.trim().split(/\s+/))
          .filter(([name]) => name)
          .map(([name, ...sources]) => [name!, sources]),
      );
      expect(csp.get('default-src')).toEqual(["'none'"]);
      expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
      expect(csp.get('object-src')).toEqual(["'none'"]);
      expect(csp.get('base-uri')).toEqual(["'none'"]);
      expect(csp.get('form-action')).toEqual(["'none'"]);
      expect(csp.get('connect-src')).toEqual(["'self'"]);
      // Scripts: the page's own files, and its one inline script by hash; nothing else runs.
      const scriptSources = csp.get('script-src') ?? [];
      expect(scriptSources).not.toContain("'unsafe-inline'");
      expect(scriptSources).not.toContain("'unsafe-eval'");
      const inline = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
      expect(inline).toHaveLength(1);
      const hash = `'sha256-${createHash('sha256').update(inline[0]!).digest('base64')}'`;
      expect([...scriptSources].sort()).toEqual(["'self'", hash].sort());
      expect(html).not.toMatch(/\son[a-z]+=/i);
      // The stylesheet, fonts and images it uses are local or inline data.
      expect(csp.get('style-src')).toContain("'self'");
      expect(csp.get('font-src')).toEqual(["'self'", 'data:']);
      expect(csp.get('img-src')).toEqual(["'self'", 'data:']);
    });

    it('serves the assets with nosniff', async () => {
      const res = await fetch(`${api.baseUrl}/graphql/ide/graphiql.js`);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    });

    it.each([
      ['react.js', 'text/javascript', 'createElement'],
      ['react-dom.js', 'text/javascript', 'createRoot'],
      ['graphiql.js', 'text/javascript', 'graphql-transport-ws'],
      ['graphiql.css', 'text/css', '.graphiql-container'],
    ])('serves %s from the installed packages', async (name, type, marker) => {
      const res = await fetch(`${api.baseUrl}/graphql/ide/${name}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain(type);
      expect(await res.text()).toContain(marker);
    });

    it('answers the browser’s favicon request without an error', async () => {
      const res = await fetch(`${api.baseUrl}/favicon.ico`);
      expect(res.status).toBe(204);
    });

    it('answers unknown assets with 404', async () => {
      const res = await fetch(`${api.baseUrl}/graphql/ide/nope.js`);
      expect(res.status).toBe(404);
    });

    it('still answers GraphQL over GET and POST on the same path', async () => {
      const post = await fetch(api.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      expect(await post.json()).toEqual({ data: { __typename: 'Query' } });
      const get = await fetch(`${api.url}?query=${encodeURIComponent('{ __typename }')}`, {
        headers: { 'apollo-require-preflight': 'true' },
      });
      expect(await get.json()).toEqual({ data: { __typename: 'Query' } });
    });
  });

  describe('in production', () => {
    it('is off unless GRAPHQL_IDE turns it on', async () => {
      const off = await startTestApp({ NODE_ENV: 'production' }, { label: 'prod-off' });
      try {
        const res = await fetch(off.url, { headers: { accept: 'text/html' } });
        expect(await res.text()).not.toContain('GraphiQL');
        const script = await fetch(`${off.baseUrl}/graphql/ide/graphiql.js`);
        expect(script.status).not.toBe(200);
        expect(await script.text()).not.toContain('graphql-transport-ws');
      } finally {
        await off.close();
      }
      const on = await startTestApp({ NODE_ENV: 'production', GRAPHQL_IDE: 'true' }, { label: 'prod-on' });
      try {
        const res = await fetch(on.url, { headers: { accept: 'text/html' } });
        expect(await res.text()).toContain('GraphiQL');
      } finally {
        await on.close();
      }
    });
  });
});
