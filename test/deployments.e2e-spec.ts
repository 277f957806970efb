import { symlinkSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { codeOf, ok, reasonOf } from './support/graphql-client';
import { createProject, finishedBuild, registerUser, type TestUser } from './support/factories';
import { git, TestRepository } from './support/git-repos';
import { operations, type Build, type Operations, type Project } from './support/operations';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * A GET with the path and headers sent exactly as written: fetch would resolve `..` segments first,
 * and adds `Cache-Control: no-cache` to conditional requests.
 */
function rawGet(
  baseUrl: string,
  rawPath: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path: rawPath, method: 'GET', headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Successful builds become immutable deployments, served over HTTP; production is a pointer that
 * promotion and rollback move at once.
 */
describe('deployments', () => {
  let api: TestApp;
  let on: Operations;
  let owner: TestUser;
  let project: Project;
  const repo = new TestRepository();

  beforeAll(async () => {
    api = await startTestApp({ ALLOW_LOCAL_REPOSITORIES: 'true' });
    on = operations(api.url);
    owner = await registerUser(api.url);
    project = await createProject(api.url, owner.accessToken);
    repo.commit('First version', {
      'index.html': '<h1>first</h1>',
      'style.css': 'h1 { color: red }',
      'docs/index.html': '<p>docs</p>',
    });
    symlinkSync('/etc/hostname', path.join(repo.dir, 'leak'));
    git(repo.dir, 'add', '--all');
    git(repo.dir, 'commit', '--quiet', '-m', 'A link out of the checkout');
    ok(await on.builds.updateSettings(owner.accessToken, { projectId: project.id, repositoryUrl: repo.dir }));
  });

  afterAll(async () => {
    await api?.close();
  });

  async function build(branch = 'main'): Promise<Build> {
    const queued = ok(await on.builds.create(owner.accessToken, { projectId: project.id, branch })).createBuild;
    const done = await finishedBuild(api.url, owner.accessToken, queued.id, 30_000);
    expect(done.status).toBe('SUCCEEDED');
    return done;
  }

  const production = async (file = '') => fetch(`${api.baseUrl}/p/${project.id}/${file}`);

  it('turns a production build into the production deployment and serves its files', async () => {
    const built = await build();
    const deployment = ok(await on.builds.deployment(owner.accessToken, { id: built.deploymentId! })).deployment;
    expect(deployment).toMatchObject({
      environment: 'PRODUCTION',
      isProduction: true,
      buildId: built.id,
      commitSha: built.commitSha,
      fileCount: 3,
      url: `/d/${deployment.id}/`,
    });
    expect(deployment.checksum).toMatch(/^[0-9a-f]{64}$/);

    const page = await fetch(`${api.baseUrl}/d/${deployment.id}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toContain('immutable');
    // Served on the API's origin, a deployed page runs sandboxed, away from the API's storage.
    expect(page.headers.get('content-security-policy')).toMatch(/^sandbox allow-scripts /);
    expect(page.headers.get('content-security-policy')).not.toContain('allow-same-origin');
    expect(await page.text()).toBe('<h1>first</h1>');
    const css = await fetch(`${api.baseUrl}/d/${deployment.id}/style.css`);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    const etag = css.headers.get('etag')!;
    expect(etag).toBeTruthy();
    const again = await rawGet(api.baseUrl, `/d/${deployment.id}/style.css`, { 'if-none-match': etag });
    expect(again).toEqual({ status: 304, body: '' });
    expect(await (await fetch(`${api.baseUrl}/d/${deployment.id}/docs/`)).text()).toBe('<p>docs</p>');

    const live = await production();
    expect(live.headers.get('content-security-policy')).toMatch(/^sandbox /);
    expect(await live.text()).toBe('<h1>first</h1>');
    expect(await (await fetch(`${api.baseUrl}/p/${project.slug}/`)).text()).toBe('<h1>first</h1>');
  });

  it('serves nothing outside the deployment: no traversal, no links out, no missing files', async () => {
    const [latest] = ok(await on.builds.deployments(owner.accessToken, { projectId: project.id })).deployments.edges;
    const id = latest!.node.id;
    for (const attempt of [
      `/d/${id}/%2e%2e/%2e%2e/%2e%2e/etc/passwd`,
      `/d/${id}/..%2f..%2f..%2fetc%2fpasswd`,
      `/d/${id}/../../package.json`,
      `/d/${id}/leak`,
      `/d/${id}/.git/config`,
      `/d/${id}/missing.html`,
      `/d/${id}/%00`,
      `/d/not-an-id/index.html`,
      `/p/no-such-project/`,
    ]) {
      const res = await rawGet(api.baseUrl, attempt);
      expect([attempt, res.status]).toEqual([attempt, 404]);
      expect(res.body).not.toMatch(/root:|"name": "slipway"/);
    }
  });

  it('promotes and rolls back at once, without a rebuild', async () => {
    repo.commit('Second version', { 'index.html': '<h1>second</h1>' });
    const second = await build();
    expect(await (await production()).text()).toBe('<h1>second</h1>');
    const builds = ok(await on.builds.list(owner.accessToken, { projectId: project.id })).builds.edges.length;

    const back = ok(await on.builds.rollback(owner.accessToken, { projectId: project.id })).rollbackDeployment;
    expect(back.isProduction).toBe(true);
    expect(back.id).not.toBe(second.deploymentId);
    expect(await (await production()).text()).toBe('<h1>first</h1>');

    const forward = ok(
      await on.builds.promote(owner.accessToken, { deploymentId: second.deploymentId! }),
    ).promoteDeployment;
    expect(forward).toMatchObject({ id: second.deploymentId, isProduction: true });
    expect(await (await production()).text()).toBe('<h1>second</h1>');
    expect(ok(await on.builds.list(owner.accessToken, { projectId: project.id })).builds.edges.length).toBe(builds);
  });

  it('makes other branches preview deployments, which production ignores until promoted', async () => {
    repo.branch('feature');
    repo.commit('Preview', { 'index.html': '<h1>preview</h1>' });
    repo.branch('main');
    const preview = await build('feature');
    const deployment = ok(await on.builds.deployment(owner.accessToken, { id: preview.deploymentId! })).deployment;
    expect(deployment).toMatchObject({ environment: 'PREVIEW', isProduction: false, branch: 'feature' });
    expect(await (await fetch(`${api.baseUrl}${deployment.url}`)).text()).toBe('<h1>preview</h1>');
    expect(await (await production()).text()).toBe('<h1>second</h1>');
    const previews = ok(
      await on.builds.deployments(owner.accessToken, { projectId: project.id, environment: 'PREVIEW' }),
    );
    expect(previews.deployments.edges.map((e) => e.node.id)).toEqual([deployment.id]);

    ok(await on.builds.promote(owner.accessToken, { deploymentId: deployment.id }));
    expect(await (await production()).text()).toBe('<h1>preview</h1>');
  });

  it('deploys to production the branch the deployment preferences name, and makes no previews when they are off', async () => {
    const site = new TestRepository();
    site.commit('On main', { 'index.html': '<h1>main</h1>' });
    site.branch('release');
    site.commit('On release', { 'index.html': '<h1>release</h1>' });
    const own = await createProject(api.url, owner.accessToken);
    ok(await on.builds.updateSettings(owner.accessToken, { projectId: own.id, repositoryUrl: site.dir }));
    ok(await on.settings.updateDeployment(owner.accessToken, { projectId: own.id, productionBranch: 'release' }));
    const buildOf = async (branch?: string): Promise<Build> => {
      const queued = ok(await on.builds.create(owner.accessToken, { projectId: own.id, branch })).createBuild;
      const done = await finishedBuild(api.url, owner.accessToken, queued.id, 30_000);
      expect(done.status).toBe('SUCCEEDED');
      return done;
    };
    const environmentOf = async (build: Build) =>
      ok(await on.builds.deployment(owner.accessToken, { id: build.deploymentId! })).deployment.environment;

    // No branch given: the production branch.
    const release = await buildOf();
    expect(release.branch).toBe('release');
    expect(await environmentOf(release)).toBe('PRODUCTION');
    expect(await (await fetch(`${api.baseUrl}/p/${own.id}/`)).text()).toBe('<h1>release</h1>');
    const main = await buildOf('main');
    expect(await environmentOf(main)).toBe('PREVIEW');

    ok(await on.settings.updateDeployment(owner.accessToken, { projectId: own.id, previewDeployments: false }));
    const unpublished = await buildOf('main');
    expect(unpublished.deploymentId).toBeNull();
    const log = ok(await on.builds.logs(owner.accessToken, { buildId: unpublished.id, first: 1000 })).buildLogs;
    expect(log.map((l) => l.text)).toContain('Preview deployments are off: nothing was deployed');
    expect(await environmentOf(await buildOf('release'))).toBe('PRODUCTION');
    const previews = ok(await on.builds.deployments(owner.accessToken, { projectId: own.id, environment: 'PREVIEW' }));
    expect(previews.deployments.edges.map((e) => e.node.id)).toEqual([main.deploymentId]);
  });

  it('answers missing pages with the app when the project is a single-page app', async () => {
    const app = new TestRepository();
    app.commit('An SPA', { 'index.html': '<div id="app"></div>', 'app.js': 'route()' });
    const spa = await createProject(api.url, owner.accessToken);
    ok(
      await on.builds.updateSettings(owner.accessToken, {
        projectId: spa.id,
        repositoryUrl: app.dir,
        spaFallback: true,
      }),
    );
    const queued = ok(await on.builds.create(owner.accessToken, { projectId: spa.id })).createBuild;
    const built = await finishedBuild(api.url, owner.accessToken, queued.id, 30_000);
    expect(built.status).toBe('SUCCEEDED');

    const page = await fetch(`${api.baseUrl}/d/${built.deploymentId}/settings/profile`);
    expect([page.status, await page.text()]).toEqual([200, '<div id="app"></div>']);
    expect((await fetch(`${api.baseUrl}/d/${built.deploymentId}/missing.js`)).status).toBe(404);
    // A path that tries to leave the deployment gets the app, never the file it names.
    expect(await rawGet(api.baseUrl, `/d/${built.deploymentId}/%2e%2e/%2e%2e/etc/passwd`)).toEqual({
      status: 200,
      body: '<div id="app"></div>',
    });
    // Without the setting, the same path is not found.
    expect((await fetch(`${api.baseUrl}/p/${project.id}/settings/profile`)).status).toBe(404);
  });

  it('refuses what it cannot do, with a clear code', async () => {
    const empty = await createProject(api.url, owner.accessToken);
    const nothing = await on.builds.rollback(owner.accessToken, { projectId: empty.id });
    expect([codeOf(nothing), reasonOf(nothing)]).toEqual(['CONFLICT', 'NOTHING_TO_ROLL_BACK_TO']);
    const [any] = ok(await on.builds.deployments(owner.accessToken, { projectId: project.id })).deployments.edges;
    const outsider = await registerUser(api.url);
    expect(codeOf(await on.builds.promote(outsider.accessToken, { deploymentId: any!.node.id }))).toBe('FORBIDDEN');
    expect(codeOf(await on.builds.rollback(outsider.accessToken, { projectId: project.id }))).toBe('FORBIDDEN');
    expect(codeOf(await on.builds.deployment(outsider.accessToken, { id: any!.node.id }))).toBe('FORBIDDEN');
    expect(codeOf(await on.builds.promote(owner.accessToken, { deploymentId: 'nope' }))).toBe('BAD_USER_INPUT');
  });
});
