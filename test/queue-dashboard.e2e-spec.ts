import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { connect, type AddressInfo } from 'node:net';
import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { PLATFORM_QUEUES, QUEUE_DASHBOARD_PATH } from '../src/admin/queue-dashboard.module';
import { MAIL_QUEUE } from '../src/mail/jobs/mail-jobs';
import { describeInBrowser, findChromium, launchChromium } from './support/browser';
import { startChildApi } from './support/child-api';
import { createApiToken, createProject, registerUser, type TestUser } from './support/factories';
import { ok, waitFor } from './support/graphql-client';
import { operations } from './support/operations';
import { startTestApp, testEnv, type TestApp } from './support/test-app';

/**
 * The operators' queue dashboard: off unless configured, and behind the one operator credential
 * from the configuration on every path under /admin/queues. What a user holds (an access token,
 * an API token, their email and password) never opens it.
 */

const PASSWORD = 'queue-operator-Pa55word-91c2';
const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const OPERATOR = basic('operator', PASSWORD);
/** An origin the API's CORS configuration allows, with credentials. */
const ALLOWED_ORIGIN = 'https://app.example.test';

interface QueueSummary {
  name: string;
  counts: Record<string, number>;
  readOnlyMode: boolean;
  isPaused: boolean;
}

async function get(api: TestApp, path: string, authorization?: string): Promise<Response> {
  return fetch(`${api.baseUrl}${path}`, { headers: authorization ? { authorization } : {} });
}

/** Every header and the body of a refusal, checked: 401, a Basic challenge, nothing else said. */
async function expectRefused(res: Response): Promise<void> {
  expect(res.status).toBe(401);
  expect(res.headers.get('www-authenticate')).toBe('Basic realm="Slipway queues"');
  expect(res.headers.get('cache-control')).toBe('no-store');
  const body = await res.text();
  expect(body).toBe('Unauthorized');
}

describe('queue dashboard', () => {
  describe('with the default configuration', () => {
    let api: TestApp;

    beforeAll(async () => {
      api = await startTestApp({}, { label: 'off' });
    });

    afterAll(async () => {
      await api?.close();
    });

    it('is not served, whatever credential comes with the request', async () => {
      expect(api.config.QUEUE_DASHBOARD).toBe('off');
      for (const path of [QUEUE_DASHBOARD_PATH, `${QUEUE_DASHBOARD_PATH}/api/queues`]) {
        for (const authorization of [undefined, OPERATOR]) {
          const res = await get(api, path, authorization);
          expect(res.status).toBe(404);
          expect(res.headers.get('www-authenticate')).toBeNull();
          expect(await res.text()).not.toContain('Slipway queues');
        }
      }
    });
  });

  describe('on a worker process', () => {
    let api: TestApp;

    beforeAll(async () => {
      api = await startTestApp(
        { PROCESS_ROLE: 'worker', QUEUE_DASHBOARD: 'on', QUEUE_DASHBOARD_PASSWORD: PASSWORD },
        { label: 'worker' },
      );
    });

    afterAll(async () => {
      await api?.close();
    });

    it('is not served: only API processes serve it', async () => {
      const res = await get(api, QUEUE_DASHBOARD_PATH, OPERATOR);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('Slipway queues');
    });
  });

  describe('when on', () => {
    let api: TestApp;
    let user: TestUser;
    let apiToken: string;

    beforeAll(async () => {
      // An API process alone: no worker takes the jobs the test queues, so they stay counted.
      api = await startTestApp(
        {
          PROCESS_ROLE: 'api',
          QUEUE_DASHBOARD: 'on',
          QUEUE_DASHBOARD_PASSWORD: PASSWORD,
          CORS_ORIGINS: ALLOWED_ORIGIN,
          // These tests send many wrong credentials from one address; the limit has its own test.
          QUEUE_DASHBOARD_FAILED_SIGN_INS: '1000',
        },
        { label: 'on' },
      );
      user = await registerUser(api.url);
      apiToken = (await createApiToken(api.url, user.accessToken, { scopes: ['project:read'] })).secret;
    });

    afterAll(async () => {
      await api?.close();
    });

    const queues = async (): Promise<QueueSummary[]> => {
      const res = await get(api, `${QUEUE_DASHBOARD_PATH}/api/queues`, OPERATOR);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('application/json');
      return ((await res.json()) as { queues: QueueSummary[] }).queues;
    };

    it('refuses a request without a credential', async () => {
      await expectRefused(await get(api, QUEUE_DASHBOARD_PATH));
      await expectRefused(await get(api, `${QUEUE_DASHBOARD_PATH}/`));
    });

    it('refuses HEAD and OPTIONS without a credential, granting no other origin anything', async () => {
      for (const path of [QUEUE_DASHBOARD_PATH, `${QUEUE_DASHBOARD_PATH}/api/queues`]) {
        const head = await fetch(`${api.baseUrl}${path}`, { method: 'HEAD' });
        expect(head.status).toBe(401);
        expect(head.headers.get('www-authenticate')).toBe('Basic realm="Slipway queues"');
        expect(head.headers.get('cache-control')).toBe('no-store');
        for (const headers of [
          {},
          { origin: ALLOWED_ORIGIN, 'access-control-request-method': 'PUT' },
          {
            origin: ALLOWED_ORIGIN,
            'access-control-request-method': 'GET',
            'access-control-request-headers': 'authorization',
          },
        ] as Record<string, string>[]) {
          const options = await fetch(`${api.baseUrl}${path}`, { method: 'OPTIONS', headers });
          await expectRefused(options);
          expect(options.headers.get('access-control-allow-origin')).toBeNull();
          expect(options.headers.get('access-control-allow-credentials')).toBeNull();
          expect(options.headers.get('access-control-allow-methods')).toBeNull();
        }
      }
    });

    it('gives an origin the API allows no CORS grant on the dashboard, with the credential or without', async () => {
      // The API itself grants that origin, so the configuration is in force.
      const preflight = await fetch(api.url, {
        method: 'OPTIONS',
        headers: { origin: ALLOWED_ORIGIN, 'access-control-request-method': 'POST' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);

      for (const path of [
        QUEUE_DASHBOARD_PATH,
        `${QUEUE_DASHBOARD_PATH}/api/queues`,
        '/ADMIN/Queues/api/queues',
        '/admin//queues/api/queues',
      ]) {
        for (const authorization of [undefined, OPERATOR]) {
          const res = await fetch(`${api.baseUrl}${path}`, {
            headers: { origin: ALLOWED_ORIGIN, ...(authorization ? { authorization } : {}) },
          });
          expect(res.headers.get('access-control-allow-origin')).toBeNull();
          expect(res.headers.get('access-control-allow-credentials')).toBeNull();
        }
        const options = await fetch(`${api.baseUrl}${path}`, {
          method: 'OPTIONS',
          headers: { origin: ALLOWED_ORIGIN, 'access-control-request-method': 'GET', authorization: OPERATOR },
        });
        expect(options.status).not.toBe(204);
        expect(options.headers.get('access-control-allow-origin')).toBeNull();
      }
      const page = await fetch(`${api.baseUrl}${QUEUE_DASHBOARD_PATH}`, {
        headers: { origin: ALLOWED_ORIGIN, authorization: OPERATOR },
      });
      expect(page.status).toBe(200);
      expect(page.headers.get('cache-control')).toBe('no-store');
    });

    it("refuses a user's access token, though the API takes it", async () => {
      expect(ok(await operations(api.url).auth.me(user.accessToken)).me.email).toBe(user.email);

      await expectRefused(await get(api, QUEUE_DASHBOARD_PATH, `Bearer ${user.accessToken}`));
      await expectRefused(await get(api, `${QUEUE_DASHBOARD_PATH}/api/queues`, `Bearer ${user.accessToken}`));
    });

    it('refuses an API token, though the API takes it', async () => {
      expect(ok(await operations(api.url).auth.me(apiToken)).me.email).toBe(user.email);

      await expectRefused(await get(api, QUEUE_DASHBOARD_PATH, `Bearer ${apiToken}`));
      await expectRefused(await get(api, `${QUEUE_DASHBOARD_PATH}/api/queues`, `Bearer ${apiToken}`));
    });

    it("refuses a user's email and password", async () => {
      ok(await operations(api.url).auth.login({ email: user.email, password: user.password }));

      await expectRefused(await get(api, QUEUE_DASHBOARD_PATH, basic(user.email, user.password)));
    });

    it('refuses a wrong password, a wrong user and malformed credentials', async () => {
      for (const authorization of [
        basic('operator', `${PASSWORD}x`),
        basic('operator', PASSWORD.slice(0, -1)),
        basic('operator', ''),
        basic('admin', PASSWORD),
        basic('', PASSWORD),
        `Basic ${Buffer.from(`operator${PASSWORD}`).toString('base64')}`,
        `Basic ${Buffer.from(`operator:${PASSWORD}`).toString('hex')}`,
        `Basic operator:${PASSWORD}`,
        `Bearer ${Buffer.from(`operator:${PASSWORD}`).toString('base64')}`,
        `Digest username="operator"`,
        'Basic',
        'Basic ',
      ]) {
        await expectRefused(await get(api, QUEUE_DASHBOARD_PATH, authorization));
      }
    });

    it('refuses every path under the dashboard, reads and changes alike, without the credential', async () => {
      const mail = api.app.get<Queue>(getQueueToken(MAIL_QUEUE));
      for (const path of [
        '/api/queues',
        '/api/redis/stats',
        `/queue/${MAIL_QUEUE}`,
        '/static/favicon.ico',
        '/no-such-page',
      ]) {
        await expectRefused(await get(api, `${QUEUE_DASHBOARD_PATH}${path}`));
      }
      for (const [method, path] of [
        ['PUT', `/api/queues/${MAIL_QUEUE}/pause`],
        ['PUT', '/api/queues/pause'],
        ['PUT', `/api/queues/${MAIL_QUEUE}/empty`],
        ['POST', `/api/queues/${MAIL_QUEUE}/add`],
      ] as const) {
        const res = await fetch(`${api.baseUrl}${QUEUE_DASHBOARD_PATH}${path}`, {
          method,
          headers: { authorization: `Bearer ${user.accessToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'x', data: {} }),
        });
        await expectRefused(res);
      }
      expect(await mail.isPaused()).toBe(false);
    });

    it('answers no spelling of the path with the queues without the credential', async () => {
      for (const path of [
        '/ADMIN/QUEUES/api/queues',
        '/admin//queues/api/queues',
        '/admin/queues//api/queues',
        '/admin/%71ueues/api/queues',
        '/admin/queues/api/%71ueues',
        '/admin/queues/api/queues/',
        '/admin/queues/api/queues?activeQueue=mail',
      ]) {
        const res = await get(api, path, `Bearer ${user.accessToken}`);
        expect([401, 404]).toContain(res.status);
        expect(await res.text()).not.toContain('"counts"');
      }
    });

    it('serves the page to the operator, with nothing loaded from another origin', async () => {
      const res = await get(api, QUEUE_DASHBOARD_PATH, OPERATOR);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-powered-by')).toBeNull();
      for (const path of ['/api/queues', '/no-such-page']) {
        expect((await get(api, `${QUEUE_DASHBOARD_PATH}${path}`, OPERATOR)).headers.get('x-powered-by')).toBeNull();
      }
      const html = await res.text();
      expect(html).toContain('<title>Slipway queues</title>');
      expect(html).toContain(`<base href="${QUEUE_DASHBOARD_PATH}/" />`);
      expect(html).not.toMatch(/(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/i);
      expect(html).not.toContain(PASSWORD);
    });

    it("serves the page's scripts and styles under the route to the operator only", async () => {
      const html = await (await get(api, QUEUE_DASHBOARD_PATH, OPERATOR)).text();
      const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!).filter((a) => a !== '/');
      const scripts = assets.filter((a) => a.endsWith('.js'));
      const styles = assets.filter((a) => a.endsWith('.css'));
      expect(scripts.length).toBeGreaterThanOrEqual(1);
      expect(styles.length).toBeGreaterThanOrEqual(1);
      for (const asset of [...scripts, ...styles]) {
        // Relative to <base href="/admin/queues/">.
        expect(asset).toMatch(/^static\//);
        const path = `${QUEUE_DASHBOARD_PATH}/${asset}`;
        const served = await get(api, path, OPERATOR);
        expect(served.status).toBe(200);
        expect(served.headers.get('content-type')).toContain(asset.endsWith('.js') ? 'javascript' : 'text/css');
        expect((await served.arrayBuffer()).byteLength).toBeGreaterThan(100);
        await expectRefused(await get(api, path));
        await expectRefused(await get(api, path, `Bearer ${user.accessToken}`));
      }
    });

    it("lists every one of the platform's queues, counting a job the API queued", async () => {
      const before = await queues();
      expect(before.map((q) => q.name).sort()).toEqual([...PLATFORM_QUEUES].sort());
      expect(PLATFORM_QUEUES).toHaveLength(10);
      for (const queue of before) expect(queue.readOnlyMode).toBe(false);
      const waitingBefore = before.find((q) => q.name === MAIL_QUEUE)!.counts.waiting!;

      // An invitation sends mail through the mail queue; no worker runs here to take it.
      const project = await createProject(api.url, user.accessToken);
      ok(
        await operations(api.url).invitations.invite(user.accessToken, {
          projectId: project.id,
          email: 'invitee@example.test',
          roleId: 'viewer',
        }),
      );

      await waitFor(
        async () => (await queues()).find((q) => q.name === MAIL_QUEUE)!.counts.waiting === waitingBefore + 1,
        15_000,
        'the invitation mail to be counted as waiting',
      );
    });

    it("lets the operator act on a queue, as Bull Board's API offers", async () => {
      const mail = api.app.get<Queue>(getQueueToken(MAIL_QUEUE));
      const pause = await fetch(`${api.baseUrl}${QUEUE_DASHBOARD_PATH}/api/queues/${MAIL_QUEUE}/pause`, {
        method: 'PUT',
        headers: { authorization: OPERATOR },
      });
      expect(pause.status).toBe(200);
      await waitFor(async () => mail.isPaused(), 10_000, 'the mail queue to be paused');
      expect((await queues()).find((q) => q.name === MAIL_QUEUE)!.isPaused).toBe(true);

      const resume = await fetch(`${api.baseUrl}${QUEUE_DASHBOARD_PATH}/api/queues/${MAIL_QUEUE}/resume`, {
        method: 'PUT',
        headers: { authorization: OPERATOR },
      });
      expect(resume.status).toBe(200);
      await waitFor(async () => !(await mail.isPaused()), 10_000, 'the mail queue to be resumed');
    });

    it('answers a WebSocket upgrade under its path with 404 and closes the socket', async () => {
      const { hostname, port } = new URL(api.baseUrl);
      for (const path of [QUEUE_DASHBOARD_PATH, `${QUEUE_DASHBOARD_PATH}/api/queues`, '/no-such-socket']) {
        const socket = connect(Number(port), hostname);
        let answer = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => (answer += chunk));
        const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
        socket.write(
          `GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: ${OPERATOR}\r\n` +
            'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n' +
            'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
        );
        // The socket stays open from this side: only the server can close it.
        const outcome = await Promise.race([
          closed.then(() => 'closed'),
          new Promise<string>((resolve) => setTimeout(() => resolve('still open'), 20_000).unref()),
        ]);
        socket.destroy();
        expect(outcome).toBe('closed');
        expect(answer).toMatch(/^HTTP\/1\.1 404 /);
        expect(answer).not.toContain('"counts"');
      }
    }, 90_000);

    describe('against requests another site could make', () => {
      const addUrl = (): string => `${api.baseUrl}${QUEUE_DASHBOARD_PATH}/api/queues/${MAIL_QUEUE}/add`;
      const waiting = async (): Promise<number> =>
        (await api.app.get<Queue>(getQueueToken(MAIL_QUEUE)).getJobCounts()).waiting;

      async function expectForbidden(res: Response): Promise<void> {
        expect(res.status).toBe(403);
        expect(res.headers.get('cache-control')).toBe('no-store');
        expect(await res.text()).toBe('Forbidden');
      }

      it('refuses a form-encoded change carrying the credential, and adds no job', async () => {
        const before = await waiting();
        await expectForbidden(
          await fetch(addUrl(), {
            method: 'POST',
            headers: { authorization: OPERATOR, 'content-type': 'application/x-www-form-urlencoded' },
            body: 'name=send&data[to]=victim@example.test',
          }),
        );
        await expectForbidden(
          await fetch(addUrl(), {
            method: 'POST',
            headers: {
              authorization: OPERATOR,
              'content-type': 'application/x-www-form-urlencoded',
              origin: api.baseUrl,
              'sec-fetch-site': 'same-origin',
            },
            body: 'name=send&data[to]=victim@example.test',
          }),
        );
        expect(await waiting()).toBe(before);
      });

      it('refuses a text/plain body and a multipart form', async () => {
        const before = await waiting();
        await expectForbidden(
          await fetch(addUrl(), {
            method: 'POST',
            headers: { authorization: OPERATOR, 'content-type': 'text/plain' },
            body: JSON.stringify({ name: 'send', data: { to: 'victim@example.test' } }),
          }),
        );
        const form = new FormData();
        form.set('name', 'send');
        await expectForbidden(
          await fetch(addUrl(), { method: 'POST', headers: { authorization: OPERATOR }, body: form }),
        );
        expect(await waiting()).toBe(before);
      });

      it('refuses a change from another origin or site, even as JSON', async () => {
        const mail = api.app.get<Queue>(getQueueToken(MAIL_QUEUE));
        const before = await waiting();
        const port = new URL(api.baseUrl).port;
        for (const headers of [
          { origin: 'http://evil.example' },
          { origin: `http://localhost:${port}` },
          { origin: `https://127.0.0.1:${port}` },
          { origin: `http://127.0.0.1:${Number(port) + 1}` },
          { origin: 'null' },
          { 'sec-fetch-site': 'cross-site' },
          { 'sec-fetch-site': 'same-site', origin: api.baseUrl },
          { 'sec-fetch-site': 'none' },
        ] as Record<string, string>[]) {
          await expectForbidden(
            await fetch(addUrl(), {
              method: 'POST',
              headers: { authorization: OPERATOR, 'content-type': 'application/json', ...headers },
              body: JSON.stringify({ name: 'send', data: { to: 'victim@example.test' } }),
            }),
          );
          await expectForbidden(
            await fetch(`${api.baseUrl}${QUEUE_DASHBOARD_PATH}/api/queues/${MAIL_QUEUE}/pause`, {
              method: 'PUT',
              headers: { authorization: OPERATOR, ...headers },
            }),
          );
        }
        expect(await waiting()).toBe(before);
        expect(await mail.isPaused()).toBe(false);
      });

      it('takes a same-origin JSON change, as the page sends it', async () => {
        const before = await waiting();
        for (const headers of [{}, { origin: api.baseUrl, 'sec-fetch-site': 'same-origin' }] as Record<
          string,
          string
        >[]) {
          const res = await fetch(addUrl(), {
            method: 'POST',
            headers: { authorization: OPERATOR, 'content-type': 'application/json; charset=utf-8', ...headers },
            body: JSON.stringify({ name: 'operator-test', data: { note: 'added by the operator' } }),
          });
          expect(res.status).toBe(200);
        }
        expect(await waiting()).toBe(before + 2);
        // Behind a proxy TRUST_PROXY trusts, the origin is the one the proxy was asked for.
        const proxied = await fetch(`${api.baseUrl}${QUEUE_DASHBOARD_PATH}/api/queues/${MAIL_QUEUE}/pause`, {
          method: 'PUT',
          headers: {
            authorization: OPERATOR,
            origin: 'https://queues.example.test',
            'sec-fetch-site': 'same-origin',
            'x-forwarded-proto': 'https',
            'x-forwarded-host': 'queues.example.test',
          },
        });
        expect(proxied.status).toBe(200);
        const resume = await fetch(`${api.baseUrl}${QUEUE_DASHBOARD_PATH}/api/queues/${MAIL_QUEUE}/resume`, {
          method: 'PUT',
          headers: { authorization: OPERATOR, origin: api.baseUrl, 'sec-fetch-site': 'same-origin' },
        });
        expect(resume.status).toBe(200);
        const mail = api.app.get<Queue>(getQueueToken(MAIL_QUEUE));
        await waitFor(async () => !(await mail.isPaused()), 10_000, 'the mail queue to be resumed');
      });
    });

    describeInBrowser("the queue dashboard's browser test")('in a browser', () => {
      it('works in a browser under its own policy, asking only this server for anything', async () => {
        const browser = await launchChromium();
        try {
          const page = await browser.newPage();
          const requested: string[] = [];
          const problems: string[] = [];
          page.on('request', (request) => requested.push(request.url()));
          page.on('pageerror', (error) => problems.push(String(error)));
          page.on('console', (message) => {
            if (message.type() === 'error') problems.push(message.text());
          });

          await page.authenticate({ username: 'operator', password: PASSWORD });
          const served = await page.goto(`${api.baseUrl}${QUEUE_DASHBOARD_PATH}`);
          expect(served?.status()).toBe(200);
          // Evaluated in the page, where `document` is.
          await page.waitForFunction(
            `${JSON.stringify(PLATFORM_QUEUES)}.every((name) => document.body.innerText.includes(name))`,
            { timeout: 30_000 },
          );

          expect(problems).toEqual([]);
          expect(requested.some((url) => url.includes(`${QUEUE_DASHBOARD_PATH}/api/queues`))).toBe(true);
          for (const url of requested) expect(url.startsWith(`${api.baseUrl}${QUEUE_DASHBOARD_PATH}`)).toBe(true);
        } finally {
          await browser.close();
        }
      }, 90_000);

      it("takes the page's own changes, and no form another origin submits with the operator's credential", async () => {
        const mail = api.app.get<Queue>(getQueueToken(MAIL_QUEUE));
        const addUrl = `${api.baseUrl}${QUEUE_DASHBOARD_PATH}/api/queues/${MAIL_QUEUE}/add`;
        const attacker = createServer((_req, res) => {
          res.writeHead(200, { 'content-type': 'text/html' });
          res.end(
            `<form method="POST" action="${addUrl}">` +
              '<input name="name" value="send"><input name="data[to]" value="victim@example.test"></form>' +
              '<script>document.forms[0].submit()</script>',
          );
        });
        await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
        const browser = await launchChromium();
        try {
          const page = await browser.newPage();
          await page.authenticate({ username: 'operator', password: PASSWORD });
          expect((await page.goto(`${api.baseUrl}${QUEUE_DASHBOARD_PATH}`))?.status()).toBe(200);

          // What the page's own script sends (as Bull Board's UI does): the browser marks it same-origin.
          const own = (await page.evaluate(`(async () => {
            const pause = await fetch('api/queues/${MAIL_QUEUE}/pause', { method: 'PUT' });
            const resume = await fetch('api/queues/${MAIL_QUEUE}/resume', { method: 'PUT' });
            const add = await fetch('api/queues/${MAIL_QUEUE}/add', {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ name: 'operator-test', data: {} }),
            });
            return [pause.status, resume.status, add.status];
          })()`)) as number[];
          expect(own).toEqual([200, 200, 200]);
          await waitFor(async () => !(await mail.isPaused()), 10_000, 'the mail queue to be resumed');

          const before = (await mail.getJobCounts()).waiting;
          const { port } = attacker.address() as AddressInfo;
          const answered = page.waitForResponse((res) => res.url() === addUrl && res.request().method() === 'POST', {
            timeout: 30_000,
          });
          await page.goto(`http://127.0.0.1:${port}/`);
          expect((await answered).status()).toBe(403);
          expect((await mail.getJobCounts()).waiting).toBe(before);
        } finally {
          await browser.close();
          await new Promise((resolve) => attacker.close(resolve));
        }
      }, 90_000);
    });

    it('leaves the GraphQL API, its guard and its errors as they were', async () => {
      const res = await fetch(api.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: OPERATOR },
        body: JSON.stringify({ query: '{ me { id } }' }),
      });
      const body = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
      expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('when on and read-only', () => {
    let api: TestApp;

    beforeAll(async () => {
      api = await startTestApp(
        {
          PROCESS_ROLE: 'api',
          QUEUE_DASHBOARD: 'on',
          QUEUE_DASHBOARD_USER: 'ops',
          QUEUE_DASHBOARD_PASSWORD: PASSWORD,
          QUEUE_DASHBOARD_READ_ONLY: 'on',
        },
        { label: 'read-only' },
      );
    });

    afterAll(async () => {
      await api?.close();
    });

    it('takes the configured user name, and no other', async () => {
      await expectRefused(await get(api, QUEUE_DASHBOARD_PATH, OPERATOR));
      expect((await get(api, QUEUE_DASHBOARD_PATH, basic('ops', PASSWORD))).status).toBe(200);
    });

    it('locks out an address after 10 wrong credentials in 15 minutes, the right one included, and no other address', async () => {
      // TRUST_PROXY's default believes X-Forwarded-For from loopback: each test address is a client.
      const from = (address: string, authorization?: string): Promise<Response> =>
        fetch(`${api.baseUrl}${QUEUE_DASHBOARD_PATH}`, {
          headers: { 'x-forwarded-for': address, ...(authorization ? { authorization } : {}) },
        });
      const guesser = '203.0.113.5';
      const credential = basic('ops', PASSWORD);

      // A browser's first request carries no credential: those do not count.
      for (let i = 0; i < 12; i++) await expectRefused(await from(guesser));
      for (let i = 0; i < 9; i++) await expectRefused(await from(guesser, basic('ops', `guess-${i}-${PASSWORD}`)));
      expect((await from(guesser, credential)).status).toBe(200);
      await expectRefused(await from(guesser, basic('ops', `guess-9-${PASSWORD}`)));

      for (const authorization of [credential, basic('ops', 'another-guess'), undefined]) {
        const locked = await from(guesser, authorization);
        expect(locked.status).toBe(429);
        expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(Number(locked.headers.get('retry-after'))).toBeLessThanOrEqual(15 * 60);
        expect(locked.headers.get('cache-control')).toBe('no-store');
        expect(locked.headers.get('www-authenticate')).toBeNull();
        expect(await locked.text()).toBe('Too Many Requests');
      }
      expect((await from('203.0.113.6', credential)).status).toBe(200);
    });

    it('shows the queues but refuses to change them', async () => {
      const credential = basic('ops', PASSWORD);
      const res = await get(api, `${QUEUE_DASHBOARD_PATH}/api/queues`, credential);
      expect(res.status).toBe(200);
      const { queues } = (await res.json()) as { queues: QueueSummary[] };
      expect(queues).toHaveLength(PLATFORM_QUEUES.length);
      for (const queue of queues) expect(queue.readOnlyMode).toBe(true);

      const mail = api.app.get<Queue>(getQueueToken(MAIL_QUEUE));
      const pause = await fetch(`${api.baseUrl}${QUEUE_DASHBOARD_PATH}/api/queues/${MAIL_QUEUE}/pause`, {
        method: 'PUT',
        headers: { authorization: credential },
      });
      expect(pause.status).toBe(405);
      const add = await fetch(`${api.baseUrl}${QUEUE_DASHBOARD_PATH}/api/queues/${MAIL_QUEUE}/add`, {
        method: 'POST',
        headers: { authorization: credential, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'send', data: {} }),
      });
      expect(add.status).toBe(405);
      expect(await mail.isPaused()).toBe(false);
      expect((await mail.getJobCounts()).waiting).toBe(0);
    });
  });

  describe("the browser tests' Chromium", () => {
    it('is CHROMIUM_PATH when set, and otherwise also found on PATH, as scripts/setup.sh finds it', () => {
      const dir = mkdtempSync(join(tmpdir(), 'chromium-on-path-'));
      try {
        const onPath = join(dir, 'chromium');
        writeFileSync(onPath, '#!/bin/sh\n');
        chmodSync(onPath, 0o755);
        const path = ['/nonexistent/bin', dir].join(delimiter);
        const noPackage = join(dir, 'no-such-package', 'chromium');
        expect(findChromium({ PATH: path }, noPackage)).toBe(onPath);
        expect(findChromium({ PATH: '/nonexistent/bin' }, noPackage)).toBeUndefined();
        // CHROMIUM_PATH, then the Debian package's, come first.
        const other = join(dir, 'other-chromium');
        writeFileSync(other, '#!/bin/sh\n');
        chmodSync(other, 0o755);
        expect(findChromium({ PATH: path, CHROMIUM_PATH: other }, noPackage)).toBe(other);
        expect(findChromium({ PATH: path }, other)).toBe(other);
        // A file that cannot be run is not a browser.
        chmodSync(onPath, 0o644);
        expect(findChromium({ PATH: path }, noPackage)).toBeUndefined();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('in a server process', () => {
    it("never writes the operator's password to its output", async () => {
      const child = await startChildApi(
        testEnv({ PROCESS_ROLE: 'api', QUEUE_DASHBOARD: 'on', QUEUE_DASHBOARD_PASSWORD: PASSWORD }, 'child'),
      );
      try {
        const base = child.url.replace(/\/graphql$/, '');
        const tries: [string, string | undefined][] = [
          [QUEUE_DASHBOARD_PATH, OPERATOR],
          [`${QUEUE_DASHBOARD_PATH}/api/queues`, OPERATOR],
          [`${QUEUE_DASHBOARD_PATH}/api/queues/no-such-queue/pause`, OPERATOR],
          [QUEUE_DASHBOARD_PATH, basic('operator', `${PASSWORD}-wrong`)],
          [QUEUE_DASHBOARD_PATH, `Bearer ${PASSWORD}`],
          [`${QUEUE_DASHBOARD_PATH}?password=${PASSWORD}`, undefined],
        ];
        for (const [path, authorization] of tries) {
          const res = await fetch(`${base}${path}`, { headers: authorization ? { authorization } : {} });
          expect(await res.text()).not.toContain(PASSWORD);
        }
        expect((await fetch(`${base}${QUEUE_DASHBOARD_PATH}`, { headers: { authorization: OPERATOR } })).status).toBe(
          200,
        );
      } finally {
        await child.stop();
      }
      expect(child.output()).toContain('GraphQL API');
      expect(child.output()).not.toContain(PASSWORD);
      expect(child.output()).not.toContain(Buffer.from(`operator:${PASSWORD}`).toString('base64'));
    });
  });
});
