import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cliConfigDir, runCli, type CliOptions, type CliRun } from './support/cli';
import { createProject, registerUser, type TestUser } from './support/factories';
import { git, TestRepository } from './support/git-repos';
import { ok } from './support/graphql-client';
import { operations, type Project } from './support/operations';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The `slipway` command as a user runs it: the compiled CLI as a child process (pipes, not a
 * terminal) against the real API, logged in once with email and password.
 */
describe('slipway CLI', () => {
  let api: TestApp;
  let owner: TestUser;
  let project: Project;
  let other: Project;
  let config: string;
  let env: Record<string, string>;

  const cli = (args: string[], options: CliOptions = {}): Promise<CliRun> =>
    runCli(args, { ...options, env: { ...env, ...options.env } });
  const json = <T = Record<string, unknown>>(run: CliRun): T => {
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    return JSON.parse(run.stdout) as T;
  };
  const tmp = (label: string): string => mkdtempSync(path.join(tmpdir(), `slipway-cli-${label}-`));

  beforeAll(async () => {
    api = await startTestApp();
    owner = await registerUser(api.url);
    project = await createProject(api.url, owner.accessToken, 'Storefront');
    other = await createProject(api.url, owner.accessToken, 'Back Office');
    config = cliConfigDir();
    env = { SLIPWAY_API_URL: api.url, SLIPWAY_CONFIG_DIR: config };
    const login = await cli(['login', '--email', owner.email, '--password-stdin'], { input: `${owner.password}\n` });
    expect(login).toMatchObject({ code: 0 });
    expect(login.stdout).toContain(`as ${owner.email}`);
  }, 120_000);

  afterAll(async () => {
    await api?.close();
  });

  describe('login', () => {
    it('keeps the session readable by its owner only', () => {
      expect(statSync(config).mode & 0o777).toBe(0o700);
      expect(statSync(path.join(config, 'credentials.json')).mode & 0o777).toBe(0o600);
    });

    it('says who is logged in', async () => {
      const human = await cli(['whoami']);
      expect(human).toMatchObject({ code: 0 });
      expect(human.stdout).toContain(owner.email);
      expect(json<{ user: { id: string } }>(await cli(['whoami', '--json'])).user.id).toBe(owner.id);
    });

    it('refuses a wrong password with the API code and exit 1, keeping nothing', async () => {
      const dir = cliConfigDir();
      const run = await cli(['login', '--email', owner.email, '--password-stdin'], {
        input: 'not the password\n',
        env: { SLIPWAY_CONFIG_DIR: dir },
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/Error \[UNAUTHENTICATED\]/);
      expect(existsSync(path.join(dir, 'credentials.json'))).toBe(false);
    });

    it('needs a password: none on stdin is a usage error', async () => {
      const run = await cli(['login', '--email', owner.email, '--password-stdin'], {
        env: { SLIPWAY_CONFIG_DIR: cliConfigDir() },
      });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('[INPUT_REQUIRED]');
    });

    it('forgets the login on logout', async () => {
      const dir = cliConfigDir();
      const scoped = { SLIPWAY_CONFIG_DIR: dir };
      expect(
        await cli(['login', '--email', owner.email, '--password-stdin'], { input: owner.password, env: scoped }),
      ).toMatchObject({ code: 0 });
      expect(json<{ loggedOut: boolean }>(await cli(['logout', '--json'], { env: scoped })).loggedOut).toBe(true);
      expect(existsSync(path.join(dir, 'credentials.json'))).toBe(false);
      const after = await cli(['whoami'], { env: scoped });
      expect(after.code).toBe(1);
      expect(after.stderr).toContain('[UNAUTHENTICATED]');
    });
  });

  describe('projects and link', () => {
    it('lists the projects, as a table and as JSON', async () => {
      const human = await cli(['projects']);
      expect(human.code).toBe(0);
      expect(human.stdout).toMatch(/ID\s+NAME\s+SLUG/);
      expect(human.stdout).toContain('Storefront');
      const listed = json<{ projects: { id: string }[] }>(await cli(['projects', '--json']));
      expect(listed.projects.map((p) => p.id).sort()).toEqual([project.id, other.id].sort());
    });

    it('links a git checkout by name, then by id, and says what it linked', async () => {
      const repo = new TestRepository();
      repo.commit('start', { 'index.html': '<h1>hi</h1>' });
      const byName = await cli(['link', 'storefront'], { cwd: repo.dir });
      expect(byName.code).toBe(0);
      expect(byName.stdout).toContain(`Linked ${repo.dir} to Storefront (${project.id})`);
      const file = path.join(repo.dir, '.slipway', 'project.json');
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
        projectId: project.id,
        projectName: 'Storefront',
        apiUrl: api.url,
      });
      // The link stays out of the repository's commits.
      expect(git(repo.dir, 'status', '--porcelain')).toBe('');

      const byId = json<{ project: { id: string; name: string } }>(
        await cli(['link', other.id, '--json'], { cwd: repo.dir }),
      );
      expect(byId.project).toMatchObject({ id: other.id, name: 'Back Office' });
      expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ projectId: other.id });
    });

    it("sets the build repository from --repository, or from the checkout's origin with --yes", async () => {
      const repo = new TestRepository();
      repo.commit('start', { 'index.html': 'x' });
      git(repo.dir, 'remote', 'add', 'origin', 'https://git.example.test/me/storefront.git');
      const offered = await cli(['link', 'Storefront'], { cwd: repo.dir });
      expect(offered.code).toBe(0);
      expect(offered.stderr).toContain('https://git.example.test/me/storefront.git');
      expect(offered.stdout).toContain('No build repository yet');

      const accepted = json<{ repositoryUrl: string }>(
        await cli(['link', 'Storefront', '--yes', '--json'], { cwd: repo.dir }),
      );
      expect(accepted.repositoryUrl).toBe('https://git.example.test/me/storefront.git');

      const given = await cli(['link', 'Storefront', '--repository', 'https://git.example.test/me/other.git'], {
        cwd: repo.dir,
      });
      expect(given.code).toBe(0);
      expect(given.stdout).toContain('Build repository: https://git.example.test/me/other.git');
    });

    it('refuses an unknown project, and an ambiguous name with the candidates', async () => {
      const cwd = tmp('link');
      const unknown = await cli(['link', 'no-such-project'], { cwd });
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('[PROJECT_NOT_FOUND]');
      expect(existsSync(path.join(cwd, '.slipway'))).toBe(false);

      const twin = ok(await operations(api.url).projects.create(owner.accessToken, { name: 'Twin', slug: 'twin-a' }));
      const twin2 = ok(await operations(api.url).projects.create(owner.accessToken, { name: 'Twin', slug: 'twin-b' }));
      const ambiguous = await cli(['link', 'Twin'], { cwd });
      expect(ambiguous.code).toBe(2);
      expect(ambiguous.stderr).toContain('[AMBIGUOUS_PROJECT]');
      expect(ambiguous.stderr).toContain(twin.createProject.id);
      expect(ambiguous.stderr).toContain(twin2.createProject.id);
      // The slug still names one of them.
      expect((await cli(['link', 'twin-b'], { cwd })).code).toBe(0);
    });

    it('asks for a project when none is named and there are several', async () => {
      const run = await cli(['link'], { cwd: tmp('link') });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('[INPUT_REQUIRED]');
    });

    it('unlinks', async () => {
      const cwd = tmp('unlink');
      expect((await cli(['link', project.id], { cwd })).code).toBe(0);
      expect(json<{ unlinked: boolean }>(await cli(['unlink', '--json'], { cwd })).unlinked).toBe(true);
      expect(existsSync(path.join(cwd, '.slipway'))).toBe(false);
    });
  });
});
