import { getQueueToken } from '@nestjs/bull';
import { getModelToken } from '@nestjs/mongoose';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { Queue } from 'bull';
import type { Model } from 'mongoose';
import { createSocket } from 'node:dgram';
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { DomainLifecycleEvent } from '../src/domains/events/domain-lifecycle.event';
import { DomainChecksService } from '../src/domains/domain-checks.service';
import { DomainRecord } from '../src/domains/domain.schema';
import { DOMAINS_QUEUE, DomainJob } from '../src/domains/jobs/domain-jobs';
import { TestDnsServer } from './support/dns-server';
import { assignRole, createProject, finishedBuild, registerUser, type TestUser } from './support/factories';
import { codeOf, gql, ok, reasonOf, waitFor } from './support/graphql-client';
import { TestRepository } from './support/git-repos';
import { operations, unchecked, type Domain, type Operations, type Project } from './support/operations';
import { waitForJob } from './support/queues';
import { startTestApp, type TestApp } from './support/test-app';

interface HostResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * A request to the API's port with the `Host` header (and path) exactly as given, as a browser
 * sends it to a custom domain that points at the platform.
 */
function onHost(
  baseUrl: string,
  host: string,
  path = '/',
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<HostResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      { hostname, port, path, method: options.method ?? 'GET', headers: { ...options.headers, host } },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A UDP port on loopback that nothing listens on. */
async function closedUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

const SITE = '<h1>shop</h1>';
const HOUR = 3_600_000;

/**
 * Custom domains: added with a TXT record to publish, verified against a real DNS server on
 * loopback, then serving the project's production deployment by Host; re-verified on a schedule.
 */
describe('custom domains', () => {
  let api: TestApp;
  let on: Operations;
  let owner: TestUser;
  let project: Project;
  let dns: TestDnsServer;
  const events: DomainLifecycleEvent[] = [];
  const repo = new TestRepository();

  beforeAll(async () => {
    dns = await new TestDnsServer().start();
    api = await startTestApp({
      ALLOW_LOCAL_REPOSITORIES: 'true',
      DNS_RESOLVERS: dns.address,
      DNS_TIMEOUT_MS: '500',
      PLATFORM_DOMAINS: 'slipway.test,localhost',
      DOMAINS_PER_PROJECT: '8',
    });
    on = operations(api.url);
    const emitter = api.app.get(EventEmitter2);
    for (const name of ['added', 'verified', 'failed', 'removed', 'primary_changed']) {
      emitter.on(`domain.${name}`, (event: DomainLifecycleEvent) => events.push(event));
    }
    owner = await registerUser(api.url);
    project = await createProject(api.url, owner.accessToken);
    repo.commit('The shop', {
      'index.html': SITE,
      'style.css': 'h1 { color: teal }',
      'docs/index.html': '<p>docs</p>',
    });
    ok(await on.builds.updateSettings(owner.accessToken, { projectId: project.id, repositoryUrl: repo.dir }));
    await build();
  });

  afterAll(async () => {
    await api?.close();
    await dns?.close();
  });

  async function build(): Promise<void> {
    const queued = ok(await on.builds.create(owner.accessToken, { projectId: project.id })).createBuild;
    expect((await finishedBuild(api.url, owner.accessToken, queued.id, 30_000)).status).toBe('SUCCEEDED');
  }

  const publish = (domain: Domain): void =>
    dns.publish(domain.verificationRecord.name, domain.verificationRecord.value);
  const eventsOf = (domainId: string): string[] => events.filter((e) => e.domainId === domainId).map((e) => e.name);
  const listed = async (projectId: string, token = owner.accessToken): Promise<Domain[]> =>
    ok(await on.domains.list(token, { projectId })).domains;

  async function add(hostname: string, projectId = project.id, token = owner.accessToken): Promise<Domain> {
    return ok(await on.domains.add(token, { projectId, hostname })).addDomain;
  }

  async function addVerified(hostname: string, projectId = project.id, token = owner.accessToken): Promise<Domain> {
    const domain = await add(hostname, projectId, token);
    publish(domain);
    const verified = ok(await on.domains.verify(token, { domainId: domain.id })).verifyDomain;
    expect(verified.status).toBe('VERIFIED');
    return verified;
  }

  /** Whether a request for `host` gets the shop, rather than the API or anything else. */
  const servesSite = async (host: string): Promise<boolean> => {
    const res = await onHost(api.baseUrl, host);
    return res.status === 200 && res.body === SITE;
  };

  it('adds a domain as PENDING, with the TXT record to publish', async () => {
    const sut = await add('  WWW.Shop.Example.  ');

    expect(sut).toMatchObject({
      projectId: project.id,
      hostname: 'www.shop.example',
      unicodeHostname: 'www.shop.example',
      status: 'PENDING',
      verificationRecord: { name: '_slipway-challenge.www.shop.example', type: 'TXT' },
      verifiedAt: null,
      lastCheckedAt: null,
      failureCode: null,
      failureReason: null,
      consecutiveFailures: 0,
      isPrimary: false,
    });
    expect(sut.verificationRecord.value).toMatch(/^slipway-verification=[0-9a-f]{32}$/);
    expect(sut.nextCheckAt).not.toBeNull();
    expect(ok(await on.domains.get(owner.accessToken, { id: sut.id })).domain).toEqual(sut);
    expect((await listed(project.id)).map((d) => d.hostname)).toEqual(['www.shop.example']);
    expect(eventsOf(sut.id)).toEqual(['domain.added']);

    const idn = await add('Bücher.Shop.Example');
    expect([idn.hostname, idn.unicodeHostname]).toEqual(['xn--bcher-kva.shop.example', 'bücher.shop.example']);
    expect(idn.verificationRecord.name).toBe('_slipway-challenge.xn--bcher-kva.shop.example');
    expect(idn.verificationRecord.value).not.toBe(sut.verificationRecord.value);

    // Unverified, the hostname serves nothing: its requests go on to the API as any other host's.
    const res = await onHost(api.baseUrl, 'www.shop.example');
    expect(res.status).toBe(404);
    expect(res.body).not.toContain(SITE);
  });

  it('fails verification while the record is missing, empty or wrong, with the reason, and verifies the right one', async () => {
    const sut = await add('missing.shop.example');
    const name = sut.verificationRecord.name;
    const verify = async (): Promise<Domain> =>
      ok(await on.domains.verify(owner.accessToken, { domainId: sut.id })).verifyDomain;

    const missing = await verify();
    expect(missing).toMatchObject({ status: 'FAILED', failureCode: 'RECORD_NOT_FOUND', consecutiveFailures: 1 });
    expect(missing.failureReason).toMatch(/NXDOMAIN/);
    expect(missing.lastCheckedAt).not.toBeNull();
    expect(dns.asked).toContain(`TXT ${name}`);

    dns.publish(name);
    const empty = await verify();
    expect(empty).toMatchObject({ status: 'FAILED', failureCode: 'NO_TXT_RECORD', consecutiveFailures: 2 });

    dns.publish(name, 'slipway-verification=not-the-token', 'v=spf1 -all');
    const wrong = await verify();
    expect(wrong).toMatchObject({ status: 'FAILED', failureCode: 'WRONG_VALUE' });
    expect(wrong.failureReason).toContain('"slipway-verification=not-the-token"');
    expect(wrong.failureReason).toContain(sut.verificationRecord.value);

    dns.mute(name);
    const silent = await verify();
    expect(silent).toMatchObject({ status: 'FAILED', failureCode: 'RESOLVER_TIMEOUT' });
    expect(silent.failureReason).toMatch(/did not answer within 500 ms/);

    const resolvers = api.config.DNS_RESOLVERS;
    // The configuration object is the one the app was given: point it at a port nobody answers on.
    api.config.DNS_RESOLVERS = [`127.0.0.1:${await closedUdpPort()}`];
    try {
      const unreachable = await verify();
      expect(unreachable).toMatchObject({ status: 'FAILED', failureCode: 'RESOLVER_UNREACHABLE' });
      expect(unreachable.failureReason).toMatch(/could not be reached/);
    } finally {
      api.config.DNS_RESOLVERS = resolvers;
    }
    expect(await servesSite('missing.shop.example')).toBe(false);

    publish(sut);
    const verified = await verify();
    expect(verified).toMatchObject({
      status: 'VERIFIED',
      failureCode: null,
      failureReason: null,
      consecutiveFailures: 0,
    });
    expect(Date.parse(verified.verifiedAt!)).toBeGreaterThan(Date.parse(sut.createdAt));
    expect(Date.parse(verified.nextCheckAt!)).toBeGreaterThan(Date.now() + 30 * 60_000);
    expect(eventsOf(sut.id)).toEqual([
      'domain.added',
      'domain.failed',
      'domain.failed',
      'domain.failed',
      'domain.failed',
      'domain.failed',
      'domain.verified',
    ]);
    expect(events.find((e) => e.domainId === sut.id && e.name === 'domain.failed')?.payload()).toMatchObject({
      hostname: 'missing.shop.example',
      failureCode: 'RECORD_NOT_FOUND',
    });
  });

  it('serves the production deployment on a verified domain, by Host, on every path', async () => {
    const [www] = await listed(project.id);
    publish(www!);
    expect(ok(await on.domains.verify(owner.accessToken, { domainId: www!.id })).verifyDomain.status).toBe('VERIFIED');

    const page = await onHost(api.baseUrl, 'www.shop.example');
    expect([page.status, page.body]).toEqual([200, SITE]);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['cache-control']).toBe('no-cache');
    // Its own origin: no sandbox, so the site can use its storage and cookies.
    expect(page.headers['content-security-policy']).toBeUndefined();
    const css = await onHost(api.baseUrl, 'WWW.SHOP.EXAMPLE:8080', '/style.css');
    expect([css.status, css.headers['content-type']]).toEqual([200, expect.stringMatching(/^text\/css/)]);
    const etag = String(css.headers.etag);
    expect(
      await onHost(api.baseUrl, 'www.shop.example', '/style.css', { headers: { 'if-none-match': etag } }),
    ).toMatchObject({
      status: 304,
      body: '',
    });
    expect((await onHost(api.baseUrl, 'www.shop.example', '/docs/')).body).toBe('<p>docs</p>');
    expect(await onHost(api.baseUrl, 'www.shop.example', '/', { method: 'HEAD' })).toMatchObject({
      status: 200,
      body: '',
    });

    // On a custom domain every path is the site's: the API's own routes are not there.
    for (const path of ['/graphql', '/graphql/ide/graphiql.js', '/healthz', `/p/${project.id}/`, '/missing.html']) {
      const res = await onHost(api.baseUrl, 'www.shop.example', path, { headers: { accept: 'text/html' } });
      expect([path, res.status, res.body]).toEqual([path, 404, 'Not Found']);
    }
    const post = await onHost(api.baseUrl, 'www.shop.example', '/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect([post.status, post.headers.allow]).toEqual([405, 'GET, HEAD']);
    for (const path of ['/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fpackage.json', '/%00', '/.git/config']) {
      const res = await onHost(api.baseUrl, 'www.shop.example', path);
      expect([path, res.status]).toEqual([path, 404]);
      expect(res.body).not.toMatch(/root:|"name": "slipway"/);
    }

    // The API keeps its routes for every other host.
    expect(ok(await gql(api.url, '{ __typename }'))).toEqual({ __typename: 'Query' });
    expect((await fetch(`${api.baseUrl}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${api.baseUrl}/p/${project.id}/`)).text()).toBe(SITE);

    // A promotion or rollback shows on the domain at once.
    repo.commit('Second version', { 'index.html': '<h1>shop v2</h1>' });
    await build();
    expect((await onHost(api.baseUrl, 'www.shop.example')).body).toBe('<h1>shop v2</h1>');
    ok(await on.builds.rollback(owner.accessToken, { projectId: project.id }));
    expect(await servesSite('www.shop.example')).toBe(true);
  });

  it('re-verifies domains on a schedule and stops serving one whose record stays gone', async () => {
    const queue = api.app.get<Queue>(getQueueToken(DOMAINS_QUEUE));
    expect((await queue.getRepeatableJobs()).map((job) => job.name)).toContain(DomainJob.RECHECK);

    // A new domain is looked for by the job itself, without verifyDomain, once it is due.
    const auto = await add('auto.shop.example');
    expect(Date.parse(auto.nextCheckAt!) - Date.parse(auto.createdAt)).toBeGreaterThan(59_000);
    publish(auto);
    const domains = api.app.get<Model<DomainRecord>>(getModelToken(DomainRecord.name));
    await domains.updateOne({ _id: auto.id }, { $set: { nextCheckAt: new Date(Date.now() - 1000) } }).exec();
    await waitForJob(await queue.add(DomainJob.RECHECK, { requestedAt: new Date().toISOString() }));
    const found = await waitFor(
      async () => {
        const current = ok(await on.domains.get(owner.accessToken, { id: auto.id })).domain;
        return current.status === 'VERIFIED' && current;
      },
      5_000,
      'the job to verify auto.shop.example',
    );
    expect(found.lastCheckedAt).not.toBeNull();

    const sut = await addVerified('blog.shop.example');
    expect(await servesSite('blog.shop.example')).toBe(true);
    const checks = api.app.get(DomainChecksService);
    const base = Date.now();
    // Runs the job's work as of `hours` from now, when every verified domain is due again.
    const recheckIn = async (hours: number): Promise<Domain> => {
      expect(await checks.recheckDue(new Date(base + hours * HOUR))).toBeGreaterThan(0);
      return ok(await on.domains.get(owner.accessToken, { id: sut.id })).domain;
    };

    dns.remove(sut.verificationRecord.name);
    const once = await recheckIn(2);
    expect(once).toMatchObject({ status: 'VERIFIED', consecutiveFailures: 1, failureCode: 'RECORD_NOT_FOUND' });
    expect(await servesSite('blog.shop.example')).toBe(true);

    // A resolver that does not answer says nothing about the record: it does not count.
    dns.mute(sut.verificationRecord.name);
    const blip = await recheckIn(4);
    expect(blip).toMatchObject({ status: 'VERIFIED', consecutiveFailures: 1, failureCode: 'RESOLVER_TIMEOUT' });

    dns.remove(sut.verificationRecord.name);
    expect(await recheckIn(6)).toMatchObject({ status: 'VERIFIED', consecutiveFailures: 2 });
    expect(await servesSite('blog.shop.example')).toBe(true);
    const failed = await recheckIn(8);
    expect(failed).toMatchObject({ status: 'FAILED', consecutiveFailures: 3, failureCode: 'RECORD_NOT_FOUND' });
    expect(eventsOf(sut.id).slice(-1)).toEqual(['domain.failed']);
    expect(await servesSite('blog.shop.example')).toBe(false);

    // Published again, the record is found by the next check, and the domain serves again.
    publish(sut);
    expect(await recheckIn(10)).toMatchObject({ status: 'VERIFIED', consecutiveFailures: 0, failureCode: null });
    expect(eventsOf(sut.id).slice(-1)).toEqual(['domain.verified']);
    expect(await servesSite('blog.shop.example')).toBe(true);
  });

  it("redirects the project's other verified domains to its primary one, with 308", async () => {
    const domains = await listed(project.id);
    const www = domains.find((d) => d.hostname === 'www.shop.example')!;
    const apex = await addVerified('shop.example');
    const pending = await add('later.shop.example');

    const primary = ok(await on.domains.setPrimary(owner.accessToken, { domainId: www.id })).setPrimaryDomain;
    expect(primary).toMatchObject({ id: www.id, isPrimary: true });
    expect(events.filter((e) => e.name === 'domain.primary_changed').map((e) => e.payload())).toEqual([
      expect.objectContaining({ domainId: www.id, previousDomainId: null }),
    ]);

    const redirect = await onHost(api.baseUrl, 'shop.example', '/docs/?q=1');
    expect([redirect.status, redirect.headers.location]).toEqual([308, 'http://www.shop.example/docs/?q=1']);
    expect((await onHost(api.baseUrl, 'Shop.Example:8080', '/a')).headers.location).toBe(
      'http://www.shop.example:8080/a',
    );
    expect((await onHost(api.baseUrl, 'shop.example', '/graphql', { method: 'POST' })).status).toBe(308);
    expect(await servesSite('www.shop.example')).toBe(true);

    const moved = ok(await on.domains.setPrimary(owner.accessToken, { domainId: apex.id })).setPrimaryDomain;
    expect(moved.isPrimary).toBe(true);
    expect((await listed(project.id)).filter((d) => d.isPrimary).map((d) => d.id)).toEqual([apex.id]);
    expect(
      events
        .filter((e) => e.name === 'domain.primary_changed')
        .slice(-1)[0]
        ?.payload(),
    ).toMatchObject({
      domainId: apex.id,
      previousDomainId: www.id,
    });
    expect((await onHost(api.baseUrl, 'www.shop.example', '/style.css')).headers.location).toBe(
      'http://shop.example/style.css',
    );
    expect(await servesSite('shop.example')).toBe(true);

    const before = await listed(project.id);
    const refused = await on.domains.setPrimary(owner.accessToken, { domainId: pending.id });
    expect([codeOf(refused), reasonOf(refused)]).toEqual(['CONFLICT', 'DOMAIN_NOT_VERIFIED']);
    expect(await listed(project.id)).toEqual(before);
  });

  it('refuses bad input with BAD_USER_INPUT or CONFLICT, and leaves the stored domains unchanged', async () => {
    const stranger = await registerUser(api.url);
    const elsewhere = await createProject(api.url, stranger.accessToken);
    const before = await listed(project.id);
    const beforeElsewhere = await listed(elsewhere.id, stranger.accessToken);

    const refusals: [hostname: unknown, reason: string][] = [
      ['', 'INVALID_HOSTNAME'],
      ['not a domain', 'INVALID_HOSTNAME'],
      ['exa_mple.shop.example', 'INVALID_HOSTNAME'],
      ['-bad.shop.example', 'INVALID_HOSTNAME'],
      ['example', 'INVALID_HOSTNAME'],
      ['*.shop.example', 'INVALID_HOSTNAME'],
      ['https://shop.example/path', 'INVALID_HOSTNAME'],
      ['shop.example:443', 'INVALID_HOSTNAME'],
      [`${'a'.repeat(64)}.shop.example`, 'INVALID_HOSTNAME'],
      [`${'a.'.repeat(130)}example`, 'INVALID_HOSTNAME'],
      ['xn--abc.example', 'INVALID_HOSTNAME'],
      ['192.0.2.1', 'INVALID_HOSTNAME'],
      ['[::1]', 'INVALID_HOSTNAME'],
      ['127.1', 'INVALID_HOSTNAME'],
      ['slipway.test', 'PLATFORM_DOMAIN'],
      ['my-site.SLIPWAY.test', 'PLATFORM_DOMAIN'],
      ['app.localhost', 'PLATFORM_DOMAIN'],
      ['x'.repeat(5000), 'INVALID_INPUT'],
    ];
    for (const [hostname, reason] of refusals) {
      const res = await on.domains.add(owner.accessToken, { projectId: project.id, hostname: hostname as string });
      expect([String(hostname).slice(0, 40), codeOf(res), reasonOf(res)]).toEqual([
        String(hostname).slice(0, 40),
        'BAD_USER_INPUT',
        reason,
      ]);
    }
    const wrongType = await on.domains.add(owner.accessToken, unchecked({ projectId: project.id, hostname: 42 }));
    expect(codeOf(wrongType)).toBe('BAD_USER_INPUT');

    // Unique across the platform: in another project, or spelled differently in this one.
    const taken = await on.domains.add(stranger.accessToken, { projectId: elsewhere.id, hostname: 'WWW.shop.example' });
    expect([codeOf(taken), reasonOf(taken)]).toEqual(['CONFLICT', 'DOMAIN_TAKEN']);
    expect(taken.errors?.[0]?.message).toMatch(/another project/);
    const again = await on.domains.add(owner.accessToken, {
      projectId: project.id,
      hostname: 'xn--bcher-kva.shop.example.',
    });
    expect([codeOf(again), reasonOf(again)]).toEqual(['CONFLICT', 'DOMAIN_TAKEN']);

    // Ids that name nothing, or are not ids at all.
    const nobody = randomBytes(12).toString('hex');
    expect(codeOf(await on.domains.verify(owner.accessToken, { domainId: nobody }))).toBe('NOT_FOUND');
    expect(codeOf(await on.domains.setPrimary(owner.accessToken, { domainId: nobody }))).toBe('NOT_FOUND');
    expect(codeOf(await on.domains.remove(owner.accessToken, { domainId: nobody }))).toBe('NOT_FOUND');
    expect(codeOf(await on.domains.get(owner.accessToken, { id: nobody }))).toBe('NOT_FOUND');
    expect(codeOf(await on.domains.add(owner.accessToken, { projectId: nobody, hostname: 'x.example' }))).toBe(
      'NOT_FOUND',
    );
    expect(codeOf(await on.domains.verify(owner.accessToken, { domainId: 'nope' }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await on.domains.remove(owner.accessToken, { domainId: `${nobody}0` }))).toBe('BAD_USER_INPUT');

    expect(await listed(project.id)).toEqual(before);
    expect(await listed(elsewhere.id, stranger.accessToken)).toEqual(beforeElsewhere);
  });

  it('gives a hostname to one of two projects adding it at once; the other gets CONFLICT', async () => {
    const projects = await Promise.all([1, 2, 3].map(() => createProject(api.url, owner.accessToken)));
    const results = await Promise.all(
      projects.map((p) => on.domains.add(owner.accessToken, { projectId: p.id, hostname: 'race.example' })),
    );
    expect(results.map(codeOf).sort()).toEqual(['CONFLICT', 'CONFLICT', undefined]);
    const holders = await Promise.all(projects.map(async (p) => (await listed(p.id)).length));
    expect(holders.sort()).toEqual([0, 0, 1]);
  });

  it('caps the domains of a project', async () => {
    const capped = await createProject(api.url, owner.accessToken);
    for (let i = 0; i < 8; i += 1) await add(`site-${i}.capped.example`, capped.id);
    const res = await on.domains.add(owner.accessToken, { projectId: capped.id, hostname: 'one-more.capped.example' });
    expect([codeOf(res), reasonOf(res)]).toEqual(['FORBIDDEN', 'DOMAIN_LIMIT_REACHED']);
    expect(await listed(capped.id)).toHaveLength(8);
  });

  it('lets viewers read domains, developers add and verify them, and outsiders nothing', async () => {
    const [viewer, developer, outsider] = await Promise.all([1, 2, 3].map(() => registerUser(api.url)));
    await assignRole(api.url, owner.accessToken, { projectId: project.id, userId: viewer!.id, roleId: 'viewer' });
    await assignRole(api.url, owner.accessToken, { projectId: project.id, userId: developer!.id, roleId: 'developer' });
    const before = await listed(project.id);
    const [some] = before;

    expect(await listed(project.id, viewer!.accessToken)).toEqual(before);
    expect(ok(await on.domains.get(viewer!.accessToken, { id: some!.id })).domain).toEqual(some);
    for (const user of [viewer!, outsider!]) {
      const attempts = [
        on.domains.add(user.accessToken, { projectId: project.id, hostname: 'intruder.shop.example' }),
        on.domains.verify(user.accessToken, { domainId: some!.id }),
        on.domains.setPrimary(user.accessToken, { domainId: some!.id }),
        on.domains.remove(user.accessToken, { domainId: some!.id }),
      ];
      expect((await Promise.all(attempts)).map(codeOf)).toEqual(['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN']);
    }
    expect(codeOf(await on.domains.list(outsider!.accessToken, { projectId: project.id }))).toBe('FORBIDDEN');
    expect(codeOf(await on.domains.get(outsider!.accessToken, { id: some!.id }))).toBe('FORBIDDEN');
    expect(codeOf(await on.domains.list(undefined, { projectId: project.id }))).toBe('UNAUTHENTICATED');
    // Developers may add and verify, not choose the primary domain or remove one.
    expect(codeOf(await on.domains.setPrimary(developer!.accessToken, { domainId: some!.id }))).toBe('FORBIDDEN');
    expect(codeOf(await on.domains.remove(developer!.accessToken, { domainId: some!.id }))).toBe('FORBIDDEN');
    expect(await listed(project.id)).toEqual(before);

    const added = await add('dev.capped-not.example', project.id, developer!.accessToken);
    expect(ok(await on.domains.verify(developer!.accessToken, { domainId: added.id })).verifyDomain.status).toBe(
      'FAILED',
    );
    ok(await on.domains.remove(owner.accessToken, { domainId: added.id }));

    const audit = ok(
      await on.audit.logs(owner.accessToken, { projectId: project.id, operation: 'mutation.removeDomain', first: 20 }),
    ).auditLogs.edges.map((e) => [e.node.outcome, e.node.actorId]);
    expect(audit).toEqual(
      expect.arrayContaining([
        ['GRANTED', owner.id],
        ['DENIED', viewer!.id],
        ['DENIED', developer!.id],
      ]),
    );
  });

  it('removes a domain: it stops serving at once, and its hostname is free for others', async () => {
    const apex = (await listed(project.id)).find((d) => d.hostname === 'shop.example')!;
    expect(apex.isPrimary).toBe(true);
    expect(ok(await on.domains.remove(owner.accessToken, { domainId: apex.id })).removeDomain).toBe(true);
    expect(eventsOf(apex.id).slice(-1)).toEqual(['domain.removed']);
    expect(await servesSite('shop.example')).toBe(false);
    expect(codeOf(await on.domains.get(owner.accessToken, { id: apex.id }))).toBe('NOT_FOUND');
    // Without a primary, the other verified domains serve the site themselves.
    expect(await servesSite('www.shop.example')).toBe(true);

    const other = await createProject(api.url, owner.accessToken);
    expect((await add('shop.example', other.id)).status).toBe('PENDING');
  });

  it('gives a hostname nobody verified in time to the next project that adds it', async () => {
    const first = await createProject(api.url, owner.accessToken);
    const second = await createProject(api.url, owner.accessToken);
    const squatted = await add('stale.example', first.id);
    const refused = await on.domains.add(owner.accessToken, { projectId: second.id, hostname: 'stale.example' });
    expect(codeOf(refused)).toBe('CONFLICT');

    const domains = api.app.get<Model<DomainRecord>>(getModelToken(DomainRecord.name));
    const longAgo = new Date(Date.now() - 73 * HOUR);
    await domains.updateOne({ hostname: 'stale.example' }, { $set: { unverifiedSince: longAgo } }).exec();
    const taken = await add('stale.example', second.id);
    expect(taken).toMatchObject({ projectId: second.id, status: 'PENDING' });
    expect(await listed(first.id)).toEqual([]);
    expect(eventsOf(squatted.id).slice(-1)).toEqual(['domain.removed']);

    // A verified domain keeps its hostname however old it is.
    await domains.updateOne({ hostname: 'www.shop.example' }, { $set: { unverifiedSince: longAgo } }).exec();
    expect(codeOf(await on.domains.add(owner.accessToken, { projectId: first.id, hostname: 'www.shop.example' }))).toBe(
      'CONFLICT',
    );
  });

  it("removes a deleted project's domains, which stop serving and are free again", async () => {
    const doomed = await createProject(api.url, owner.accessToken);
    const domain = await addVerified('doomed.example', doomed.id);
    expect((await onHost(api.baseUrl, 'doomed.example')).body).toBe('This site has no production deployment yet');
    ok(await on.projects.delete(owner.accessToken, { id: doomed.id }));

    const domains = api.app.get<Model<DomainRecord>>(getModelToken(DomainRecord.name));
    expect(await domains.countDocuments({ hostname: 'doomed.example' }).exec()).toBe(0);
    expect(codeOf(await on.domains.get(owner.accessToken, { id: domain.id }))).toBe('NOT_FOUND');
    expect((await onHost(api.baseUrl, 'doomed.example')).body).not.toContain('This site');
    expect(await servesSite('doomed.example')).toBe(false);
    expect((await add('doomed.example')).status).toBe('PENDING');
  });
});
