import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'dotenv';
import { cliConfigDir, runCli, type CliOptions, type CliRun } from './support/cli';
import { createApiToken, createProject, registerUser, type TestUser } from './support/factories';
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
    // Local repositories, so that `link --repository .` can build from the checkout itself.
    // Many logins of one account from one address: above the default per-minute limit.
    api = await startTestApp({ ALLOW_LOCAL_REPOSITORIES: 'true', LOGIN_ATTEMPTS_PER_MINUTE: '100' });
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

    it('stores an API token read from stdin, and refuses a password login beside a token', async () => {
      const { secret } = await createApiToken(api.url, owner.accessToken, { scopes: ['project:read'] });
      const dir = cliConfigDir();
      const stored = await cli(['login', '--token-stdin'], { input: `${secret}\n`, env: { SLIPWAY_CONFIG_DIR: dir } });
      expect(stored).toMatchObject({ code: 0 });
      expect(stored.stdout).toContain('with an API token');
      expect(stored.stdout + stored.stderr).not.toContain(secret);
      expect(JSON.parse(readFileSync(path.join(dir, 'credentials.json'), 'utf8'))).toMatchObject({ apiToken: secret });

      for (const [args, extra] of [
        [['login', '--email', owner.email, '--password-stdin'], { SLIPWAY_TOKEN: secret }],
        [['login', '--email', owner.email, '--token-stdin'], {}],
      ] as const) {
        const other = cliConfigDir();
        const run = await cli([...args], { input: owner.password, env: { SLIPWAY_CONFIG_DIR: other, ...extra } });
        expect(run.code).toBe(2);
        expect(run.stderr).toContain('[CONFLICTING_OPTIONS]');
        expect(existsSync(path.join(other, 'credentials.json'))).toBe(false);
      }
    });

    it('logs in with --json, and refuses a token the API does not know', async () => {
      const dir = cliConfigDir();
      const logged = json<{ user: { email: string }; credentials: string }>(
        await cli(['login', '--email', owner.email, '--password-stdin', '--json'], {
          input: owner.password,
          env: { SLIPWAY_CONFIG_DIR: dir },
        }),
      );
      expect(logged).toMatchObject({ user: { email: owner.email }, credentials: path.join(dir, 'credentials.json') });
      const badToken = await cli(['login', '--token', 'slw_not-a-real-token'], {
        env: { SLIPWAY_CONFIG_DIR: cliConfigDir() },
      });
      expect(badToken.code).toBe(1);
      expect(badToken.stderr).toContain('[UNAUTHENTICATED]');
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

    it('refuses a config directory others may write to, and leaves an existing private one as it is', async () => {
      const shared = cliConfigDir();
      chmodSync(shared, 0o777);
      const refused = await cli(['login', '--email', owner.email, '--password-stdin'], {
        input: owner.password,
        env: { SLIPWAY_CONFIG_DIR: shared },
      });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('[CONFIG_INVALID]');
      expect(existsSync(path.join(shared, 'credentials.json'))).toBe(false);
      const own = cliConfigDir();
      chmodSync(own, 0o750);
      const login = await cli(['login', '--email', owner.email, '--password-stdin'], {
        input: owner.password,
        env: { SLIPWAY_CONFIG_DIR: own },
      });
      expect(login).toMatchObject({ code: 0 });
      expect(statSync(own).mode & 0o777).toBe(0o750);
    });

    it('keeps the login in ~/.config/slipway without SLIPWAY_CONFIG_DIR, or in $XDG_CONFIG_HOME/slipway', async () => {
      const home = tmp('home');
      const login = await runCli(['login', '--email', owner.email, '--password-stdin'], {
        input: owner.password,
        env: { SLIPWAY_API_URL: api.url, HOME: home },
      });
      expect(login).toMatchObject({ code: 0 });
      const dir = path.join(home, '.config', 'slipway');
      expect(statSync(path.join(dir, 'credentials.json')).mode & 0o777).toBe(0o600);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      // Read back from there, API included.
      const whoami = await runCli(['whoami'], { env: { HOME: home } });
      expect(whoami).toMatchObject({ code: 0 });
      expect(whoami.stdout).toContain(owner.email);

      const xdg = path.join(tmp('xdg'), 'config');
      const elsewhere = tmp('home');
      const xdgLogin = await runCli(['login', '--email', owner.email, '--password-stdin'], {
        input: owner.password,
        env: { SLIPWAY_API_URL: api.url, HOME: elsewhere, XDG_CONFIG_HOME: xdg },
      });
      expect(xdgLogin).toMatchObject({ code: 0 });
      expect(statSync(path.join(xdg, 'slipway', 'credentials.json')).mode & 0o777).toBe(0o600);
      expect(statSync(path.join(xdg, 'slipway')).mode & 0o777).toBe(0o700);
      expect(existsSync(path.join(elsewhere, '.config'))).toBe(false);
    });

    it.each([['not json'], ['null'], ['{}'], ['{"apiUrl":1,"apiToken":2}'], ['{"apiUrl":"x","session":{}}']])(
      'says a malformed credentials file (%s) is invalid, and lets login replace it and logout remove it',
      async (content) => {
        const dir = cliConfigDir();
        const scoped = { SLIPWAY_CONFIG_DIR: dir };
        const file = path.join(dir, 'credentials.json');
        writeFileSync(file, content);
        const needed = await cli(['whoami'], { env: scoped });
        expect(needed.code).toBe(1);
        expect(needed.stderr).toContain('[CONFIG_INVALID]');
        expect(await cli(['logout'], { env: scoped })).toMatchObject({ code: 0 });
        expect(existsSync(file)).toBe(false);
        writeFileSync(file, content);
        const login = await cli(['login', '--email', owner.email, '--password-stdin'], {
          input: owner.password,
          env: scoped,
        });
        expect({ code: login.code, stderr: login.stderr }).toEqual({ code: 0, stderr: '' });
        expect((await cli(['whoami'], { env: scoped })).stdout).toContain(owner.email);
      },
    );
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

    it('keeps the credentials of an origin URL out of every output and out of the API, and links only once the repository is set', async () => {
      const fresh = await createProject(api.url, owner.accessToken, 'Secret Origin');
      const repo = new TestRepository();
      repo.commit('start', { 'index.html': 'x' });
      git(repo.dir, 'remote', 'add', 'origin', 'https://x-access-token:ghs_SECRET123@example.test/me/app.git');
      const file = path.join(repo.dir, '.slipway', 'project.json');

      const refused = await cli(['link', fresh.id, '--repository', 'ftp://example.test/nope'], { cwd: repo.dir });
      expect(refused.code).toBe(1);
      expect(existsSync(file)).toBe(false);

      const offered = await cli(['link', fresh.id], { cwd: repo.dir });
      const accepted = await cli(['link', fresh.id, '--yes', '--json'], { cwd: repo.dir });
      for (const run of [offered, accepted]) {
        expect(run.code).toBe(0);
        expect(run.stdout + run.stderr).not.toContain('SECRET123');
        expect(run.stdout + run.stderr).not.toContain('x-access-token');
      }
      expect(offered.stderr).toContain('https://example.test/me/app.git');
      expect(json<{ repositoryUrl: string }>(accepted).repositoryUrl).toBe('https://example.test/me/app.git');
      const settings = ok(await operations(api.url).builds.settings(owner.accessToken, { projectId: fresh.id }));
      expect(JSON.stringify(settings)).not.toContain('SECRET123');
      expect(existsSync(file)).toBe(true);
    });

    it("sets the checkout's own path with --repository ., and refuses it outside a checkout", async () => {
      const repo = new TestRepository();
      repo.commit('start', { 'index.html': 'x' });
      const local = json<{ repositoryUrl: string }>(
        await cli(['link', 'Storefront', '--repository', '.', '--json'], { cwd: repo.dir }),
      );
      expect(local.repositoryUrl).toBe(`file://${realpathSync(repo.dir)}`);
      const outside = await cli(['link', 'Storefront', '--repository', '.'], { cwd: tmp('not-git') });
      expect(outside.code).toBe(2);
      expect(outside.stderr).toContain('[NOT_A_GIT_CHECKOUT]');
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

    it('says how to link when a command needs a project and the directory has none', async () => {
      const run = await cli(['env', 'ls'], { cwd: tmp('unlinked') });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('[NOT_LINKED]');
      const asJson = await cli(['env', 'ls', '--json'], { cwd: tmp('unlinked') });
      expect(asJson.code).toBe(2);
      expect(JSON.parse(asJson.stdout)).toMatchObject({ error: { code: 'NOT_LINKED' } });
    });

    it('refuses a link file that names no project, and warns when the link is for another API', async () => {
      const cwd = tmp('badlink');
      mkdirSync(path.join(cwd, '.slipway'));
      writeFileSync(path.join(cwd, '.slipway', 'project.json'), JSON.stringify({ projectName: 'x', apiUrl: api.url }));
      const invalid = await cli(['env', 'ls'], { cwd });
      expect(invalid.code).toBe(1);
      expect(invalid.stderr).toContain('[CONFIG_INVALID]');
      writeFileSync(
        path.join(cwd, '.slipway', 'project.json'),
        JSON.stringify({
          projectId: project.id,
          projectName: 'Storefront',
          apiUrl: 'https://elsewhere.example.test/graphql',
        }),
      );
      const elsewhere = await cli(['env', 'ls', '--json'], { cwd });
      expect(elsewhere.code).toBe(0);
      expect(elsewhere.stderr).toContain('https://elsewhere.example.test/graphql');
      expect(elsewhere.stderr).toContain('Warning');
    });
  });

  describe('env', () => {
    let dir: string;

    beforeAll(async () => {
      dir = tmp('env');
      expect((await cli(['link', project.id], { cwd: dir })).code).toBe(0);
    });

    it('sets, lists with masked values only, and removes variables', async () => {
      const plain = 'plain-value-4f1c';
      const secret = 'secret-value-9d2e';
      const setPlain = await cli(['env', 'set', 'API_URL', plain, '--target', 'production'], { cwd: dir });
      expect(setPlain).toMatchObject({ code: 0 });
      expect(setPlain.stdout).toContain('Set API_URL for production');
      const setSecret = await cli(['env', 'set', 'STRIPE_KEY', '--secret', '--json'], {
        cwd: dir,
        input: `${secret}\n`,
      });
      expect(
        json<{ variables: { target: string }[] }>(setSecret)
          .variables.map((v) => v.target)
          .sort(),
      ).toEqual(['DEVELOPMENT', 'PREVIEW', 'PRODUCTION']);

      const human = await cli(['env', 'ls'], { cwd: dir });
      expect(human.code).toBe(0);
      expect(human.stdout).toMatch(/KEY\s+TARGET\s+TYPE\s+BRANCH\s+VALUE/);
      expect(human.stdout).toMatch(/API_URL\s+production\s+plain/);
      expect(human.stdout).toMatch(/STRIPE_KEY\s+development\s+secret/);
      const listed = json<{ variables: Record<string, unknown>[] }>(
        await cli(['env', 'ls', '--target', 'production', '--json'], { cwd: dir }),
      );
      expect(listed.variables.map((v) => v.key).sort()).toEqual(['API_URL', 'STRIPE_KEY']);
      expect(listed.variables.every((v) => !('value' in v) && typeof v.maskedValue === 'string')).toBe(true);
      for (const run of [setPlain, setSecret, human, listed]) {
        const text = JSON.stringify(run);
        expect(text).not.toContain(plain);
        expect(text).not.toContain(secret);
      }

      const removed = json<{ removed: number }>(await cli(['env', 'rm', 'STRIPE_KEY', '--json'], { cwd: dir }));
      expect(removed.removed).toBe(3);
      const gone = await cli(['env', 'rm', 'STRIPE_KEY'], { cwd: dir });
      expect(gone.code).toBe(1);
      expect(gone.stderr).toContain('Error [NOT_FOUND]: No variable STRIPE_KEY');
      // --project names a project by slug in place of the link.
      const elsewhere = json<{ variables: { key: string }[] }>(
        await cli(['env', 'ls', '--project', project.slug, '--json'], { cwd: tmp('env-elsewhere') }),
      );
      expect(elsewhere.variables.map((v) => v.key)).toEqual(['API_URL']);
    });

    it('pushes a dotenv file and pulls it back the same, into a file only its owner reads', async () => {
      const values: Record<string, string> = {
        SIMPLE: 'hello',
        WITH_EQUALS: 'postgres://u:p@h/db?a=b&c=d',
        QUOTED: `it's "quoted"`,
        MULTI_LINE: '-----BEGIN KEY-----\nabc\ndef\n-----END KEY-----',
        UNICODE: 'héllo wörld ✓ 日本語',
        HASH: 'value # not a comment',
      };
      const source = [
        '# the app',
        'SIMPLE=hello',
        "WITH_EQUALS='postgres://u:p@h/db?a=b&c=d'",
        `QUOTED=\`it's "quoted"\``,
        'export MULTI_LINE="-----BEGIN KEY-----\nabc\ndef\n-----END KEY-----"',
        'UNICODE=héllo wörld ✓ 日本語',
        'HASH="value # not a comment"',
        '',
      ].join('\n');
      expect(parse(source)).toEqual(values);
      writeFileSync(path.join(dir, '.env'), source);

      const pushed = await cli(['env', 'push'], { cwd: dir });
      expect(pushed.code).toBe(0);
      expect(pushed.stdout).toContain('+ SIMPLE');
      expect(pushed.stdout).toContain('6 added, 0 updated, 0 unchanged');
      for (const value of Object.values(values)) expect(pushed.stdout + pushed.stderr).not.toContain(value);

      writeFileSync(path.join(dir, 'changed.env'), 'SIMPLE=hello\nUNICODE=changed\n');
      const again = json<{ added: string[]; updated: string[]; unchanged: string[] }>(
        await cli(['env', 'push', 'changed.env', '--json'], { cwd: dir }),
      );
      expect(again).toMatchObject({ added: [], updated: ['UNICODE'], unchanged: ['SIMPLE'] });
      writeFileSync(path.join(dir, 'restore.env'), `UNICODE='${values.UNICODE}'\n`);
      expect((await cli(['env', 'push', 'restore.env'], { cwd: dir })).code).toBe(0);
      expect((await cli(['env', 'set', 'HIDDEN', '--secret'], { cwd: dir, input: 'hidden-9f8e' })).code).toBe(0);

      const pulled = await cli(['env', 'pull'], { cwd: dir });
      expect(pulled.code).toBe(0);
      expect(pulled.stdout).toContain('Wrote 6 variables to .env.local');
      expect(pulled.stderr).toContain('HIDDEN');
      expect(pulled.stdout + pulled.stderr).not.toContain('hello');
      const file = path.join(dir, '.env.local');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const text = readFileSync(file, 'utf8');
      expect(text).toContain('# HIDDEN is a secret');
      expect(parse(text)).toEqual(values);
      // API_URL is production-only: the development file has no line for it.
      const production = json<{ written: string[]; secrets: string[]; file: string }>(
        await cli(['env', 'pull', 'prod.env', '--target', 'production', '--json'], { cwd: dir }),
      );
      expect(production.written).toContain('API_URL');
      expect(production.secrets).toEqual(['HIDDEN']);
      expect(parse(readFileSync(production.file, 'utf8')).API_URL).toBe('plain-value-4f1c');
    });

    it('refuses bad keys, malformed files and missing arguments before changing anything', async () => {
      const badKey = await cli(['env', 'set', '1BAD', 'x'], { cwd: dir });
      expect(badKey.code).toBe(2);
      expect(badKey.stderr).toContain('[INVALID_ENV_KEY]');

      writeFileSync(path.join(dir, 'bad-key.env'), 'FIRST_OK=1\nBAD-KEY=2\n');
      const badFile = await cli(['env', 'push', 'bad-key.env'], { cwd: dir });
      expect(badFile.code).toBe(2);
      expect(badFile.stderr).toContain('[INVALID_ENV_KEY]');
      expect(badFile.stderr).toContain('BAD-KEY');
      writeFileSync(path.join(dir, 'garbage.env'), 'GOOD=1\nthis is not dotenv\n');
      const garbage = await cli(['env', 'push', 'garbage.env'], { cwd: dir });
      expect(garbage.code).toBe(2);
      expect(garbage.stderr).toContain('[INVALID_DOTENV]');
      expect(garbage.stderr).toContain('line 2');
      writeFileSync(path.join(dir, 'large.env'), `BEFORE_LARGE=1\nLARGE_VALUE=${'x'.repeat(64 * 1024 + 1)}\n`);
      const large = await cli(['env', 'push', 'large.env'], { cwd: dir });
      expect(large.code).toBe(2);
      expect(large.stderr).toContain('[INVALID_ENV_VALUE]');
      expect(large.stderr).toContain('LARGE_VALUE');
      expect(large.stderr).toContain('nothing was changed');
      const listed = json<{ variables: { key: string }[] }>(await cli(['env', 'ls', '--json'], { cwd: dir }));
      expect(listed.variables.map((v) => v.key)).not.toContain('FIRST_OK');
      expect(listed.variables.map((v) => v.key)).not.toContain('GOOD');
      expect(listed.variables.map((v) => v.key)).not.toContain('BEFORE_LARGE');

      const emptyStdin = await cli(['env', 'set', 'EMPTY_STDIN'], { cwd: dir, input: '' });
      expect(emptyStdin.code).toBe(2);
      expect(emptyStdin.stderr).toContain('[INPUT_REQUIRED]');
      expect((await cli(['env', 'set', 'EMPTY_GIVEN', ''], { cwd: dir })).code).toBe(0);
      const keys = json<{ variables: { key: string }[] }>(await cli(['env', 'ls', '--json'], { cwd: dir }));
      expect(keys.variables.map((v) => v.key)).toContain('EMPTY_GIVEN');
      expect(keys.variables.map((v) => v.key)).not.toContain('EMPTY_STDIN');

      mkdirSync(path.join(dir, 'a-directory'));
      const intoDirectory = await cli(['env', 'pull', 'a-directory'], { cwd: dir });
      expect(intoDirectory.code).toBe(2);
      expect(intoDirectory.stderr).toContain('[INVALID_PATH]');
      const nowhere = await cli(['env', 'pull', 'missing-dir/x.env'], { cwd: dir });
      expect(nowhere.code).toBe(1);
      expect(nowhere.stderr).toContain('[WRITE_FAILED]');
      expect(readdirSync(dir).filter((name) => name.includes('.partial'))).toEqual([]);

      const missingFile = await cli(['env', 'push', 'nope.env'], { cwd: dir });
      expect(missingFile.code).toBe(2);
      expect(missingFile.stderr).toContain('[FILE_NOT_FOUND]');
      const missingKey = await cli(['env', 'set'], { cwd: dir });
      expect(missingKey.code).toBe(2);
      expect(missingKey.stderr).toContain("missing required argument 'key'");
      const badTarget = await cli(['env', 'ls', '--target', 'staging'], { cwd: dir });
      expect(badTarget.code).toBe(2);
      expect(badTarget.stderr).toContain('staging');
      const unknownProject = await cli(['env', 'ls', '--project', 'no-such-project'], { cwd: dir });
      expect(unknownProject.code).toBe(1);
      expect(unknownProject.stderr).toContain('[PROJECT_NOT_FOUND]');
    });
  });

  describe('functions', () => {
    let dir: string;

    beforeAll(async () => {
      dir = tmp('functions');
      expect((await cli(['link', project.id], { cwd: dir })).code).toBe(0);
      ok(
        await operations(api.url).functions.create(owner.accessToken, {
          projectId: project.id,
          name: 'echo',
          runtime: 'nodejs20',
          handler: 'index.handler',
          files: [
            {
              path: 'index.mjs',
              content:
                'export const handler = async (event) => { console.log("got", JSON.stringify(event)); if (event && event.fail) throw new TypeError("asked to fail"); return { echoed: event ?? null }; };\n',
            },
          ],
        }),
      );
    }, 60_000);

    it('lists the functions', async () => {
      const human = await cli(['functions', 'ls'], { cwd: dir });
      expect(human.code).toBe(0);
      expect(human.stdout).toMatch(/NAME\s+RUNTIME\s+VERSION\s+STATUS/);
      expect(human.stdout).toMatch(/echo\s+nodejs20\s+v1\s+enabled/);
      const listed = json<{ functions: { name: string; runtime: string }[] }>(
        await cli(['functions', 'ls', '--json'], { cwd: dir }),
      );
      expect(listed.functions).toEqual([expect.objectContaining({ name: 'echo', runtime: 'nodejs20' })]);
    });

    it('invokes a function with --data, a file or stdin, and prints its result', async () => {
      const human = await cli(['functions', 'invoke', 'echo', '--data', '{"n": 1}'], { cwd: dir, timeoutMs: 90_000 });
      expect(human.code).toBe(0);
      expect(JSON.parse(human.stdout)).toEqual({ echoed: { n: 1 } });
      expect(human.stderr).toMatch(/echo v1 succeeded in \d+ ms/);
      expect(human.stderr).toContain('got {"n":1}');

      writeFileSync(path.join(dir, 'event.json'), '{"n": 2}');
      const fromFile = json<{ invocation: { status: string; result: unknown; coldStart: boolean } }>(
        await cli(['functions', 'invoke', 'echo', '--data-file', 'event.json', '--json'], { cwd: dir }),
      );
      expect(fromFile.invocation).toMatchObject({ status: 'SUCCEEDED', result: { echoed: { n: 2 } } });

      const fromStdin = await cli(['functions', 'invoke', 'echo'], { cwd: dir, input: '{"n": 3}' });
      expect(fromStdin.code).toBe(0);
      expect(JSON.parse(fromStdin.stdout)).toEqual({ echoed: { n: 3 } });

      const queued = json<{ invocation: { id: string; status: string } }>(
        await cli(['functions', 'invoke', 'echo', '--async', '--json', '--data', '{}'], { cwd: dir }),
      );
      expect(queued.invocation.status).toMatch(/QUEUED|RUNNING|SUCCEEDED/);
    });

    it('exits non-zero with the error when the invocation fails', async () => {
      const failed = await cli(['functions', 'invoke', 'echo', '--data', '{"fail": true}'], { cwd: dir });
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain('[INVOCATION_FAILED]: TypeError: asked to fail');
      const asJson = await cli(['functions', 'invoke', 'echo', '--data', '{"fail": true}', '--json'], { cwd: dir });
      expect(asJson.code).toBe(1);
      expect(JSON.parse(asJson.stdout)).toMatchObject({
        invocation: { status: 'FAILED', error: { type: 'TypeError', message: 'asked to fail' } },
      });
    });

    it('refuses malformed JSON, an unknown function and a missing name', async () => {
      const malformed = await cli(['functions', 'invoke', 'echo', '--data', '{nope'], { cwd: dir });
      expect(malformed.code).toBe(2);
      expect(malformed.stderr).toContain('[INVALID_JSON]');
      const malformedStdin = await cli(['functions', 'invoke', 'echo'], { cwd: dir, input: 'not json' });
      expect(malformedStdin.code).toBe(2);
      expect(malformedStdin.stderr).toContain('stdin is not valid JSON');
      const unknown = await cli(['functions', 'invoke', 'nothing-here', '--data', '{}'], { cwd: dir });
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('[FUNCTION_NOT_FOUND]');
      const missing = await cli(['functions', 'invoke'], { cwd: dir });
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain("missing required argument 'function'");
    });
  });

  describe('tokens', () => {
    it('creates a token whose secret is shown once, acts with it, lists and revokes it', async () => {
      const created = await cli(['tokens', 'create', 'ci', '--scope', 'project:read,env:read', '--expires-in', '30d']);
      expect(created.code).toBe(0);
      const secret = /slw_[A-Za-z0-9]+/.exec(created.stdout)?.[0];
      expect(secret).toBeDefined();
      expect(created.stderr).toContain('only time the token is shown');

      const viaEnv = await cli(['projects', '--json'], {
        env: { SLIPWAY_TOKEN: secret!, SLIPWAY_CONFIG_DIR: cliConfigDir() },
      });
      expect(json<{ projects: unknown[] }>(viaEnv).projects.length).toBeGreaterThan(0);
      const tokenConfig = { SLIPWAY_CONFIG_DIR: cliConfigDir() };
      const stored = await cli(['login', '--token', secret!], { env: tokenConfig });
      expect(stored.code).toBe(0);
      expect(stored.stdout).toContain('with an API token');
      expect((await cli(['whoami'], { env: tokenConfig })).stdout).toContain(owner.email);

      const listed = json<{ tokens: { id: string; name: string; scopes: string[]; displayPrefix: string }[] }>(
        await cli(['tokens', 'ls', '--json']),
      );
      const mine = listed.tokens.find((t) => t.name === 'ci');
      expect(mine).toMatchObject({ scopes: ['project:read', 'env:read'] });
      expect(secret!.startsWith(mine!.displayPrefix)).toBe(true);
      const human = await cli(['tokens', 'ls']);
      expect(human.stdout).toMatch(/ci\s+slw_\S+\s+project:read,env:read\s+all\s+active/);
      for (const run of [human, JSON.stringify(listed)]) expect(JSON.stringify(run)).not.toContain(secret);

      const revoked = await cli(['tokens', 'revoke', 'ci']);
      expect(revoked.code).toBe(0);
      expect(revoked.stdout).toContain(`Revoked the token ci (${mine!.id})`);
      const refused = await cli(['whoami'], { env: tokenConfig });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('[UNAUTHENTICATED]');
    });

    it('makes a project token with --project, as JSON', async () => {
      const created = json<{ secret: string; token: { projectId: string; expiresAt: string | null } }>(
        await cli(['tokens', 'create', 'deployer', '--scope', 'build:create', '--project', 'Storefront', '--json']),
      );
      expect(created.secret).toMatch(/^slw_/);
      expect(created.token).toMatchObject({ projectId: project.id, expiresAt: null });
      const revoked = json<{ token: { status: string } }>(await cli(['tokens', 'revoke', 'deployer', '--json']));
      expect(revoked.token.status).toBe('REVOKED');
    });

    it('refuses missing scopes, a bad duration and an unknown token', async () => {
      const noScope = await cli(['tokens', 'create', 'x']);
      expect(noScope.code).toBe(2);
      expect(noScope.stderr).toContain("required option '-s, --scope <scopes>' not specified");
      const badDuration = await cli(['tokens', 'create', 'x', '--scope', 'build:create', '--expires-in', 'soon']);
      expect(badDuration.code).toBe(2);
      expect(badDuration.stderr).toContain('30d');
      const unknown = await cli(['tokens', 'revoke', 'no-such-token']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('[TOKEN_NOT_FOUND]');
    });
  });

  it('has help for every command and subcommand', async () => {
    const top = await cli(['--help']);
    expect(top.code).toBe(0);
    const names = (text: string): string[] =>
      [...(text.split(/^Commands:$/m)[1] ?? '').split(/\n\s*\n/)[0]!.matchAll(/^ {2}(\w[\w-]*)/gm)]
        .map((m) => m[1]!)
        .filter((n) => n !== 'help');
    const groups = names(top.stdout);
    expect(groups).toEqual(
      expect.arrayContaining(['login', 'logout', 'whoami', 'projects', 'link', 'env', 'functions', 'tokens']),
    );
    const paths: string[][] = [];
    for (const group of groups) {
      const help = await cli([group, '--help']);
      expect({ group, code: help.code, usage: help.stdout.startsWith(`Usage: slipway ${group}`) }).toEqual({
        group,
        code: 0,
        usage: true,
      });
      for (const sub of names(help.stdout)) paths.push([group, sub]);
    }
    expect(paths).toEqual(
      expect.arrayContaining([
        ['env', 'push'],
        ['functions', 'invoke'],
        ['tokens', 'revoke'],
      ]),
    );
    const helps = await Promise.all(paths.map((p) => cli([...p, '--help'])));
    helps.forEach((help, i) => {
      expect({
        path: paths[i],
        code: help.code,
        usage: help.stdout.startsWith(`Usage: slipway ${paths[i]!.join(' ')}`),
      }).toEqual({
        path: paths[i],
        code: 0,
        usage: true,
      });
    });
  });

  it('writes no colour codes into pipes, even without NO_COLOR, whether it succeeds or fails', async () => {
    const listed = await cli(['projects'], { noColor: false });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^ *ID +NAME +SLUG/);
    const failed = await cli(['logs', '0123456789abcdef01234567'], { noColor: false });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^Error \[NOT_FOUND\]/);
    for (const run of [listed, failed]) {
      expect(run.stdout).not.toContain('\u001b[');
      expect(run.stderr).not.toContain('\u001b[');
    }
  });

  it('refuses an unknown command or option with exit 2', async () => {
    const unknown = await cli(['nonsense']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'nonsense'");
    const option = await cli(['projects', '--bogus']);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("unknown option '--bogus'");
  });

  it('reports a wrong command line with its code, as JSON on stdout only with --json', async () => {
    const human = await cli(['whoamii']);
    expect(human).toMatchObject({ code: 2, stdout: '' });
    expect(human.stderr).toContain("Error [INVALID_ARGUMENTS]: unknown command 'whoamii'");
    expect(human.stderr).toContain('Did you mean whoami?');
    for (const args of [
      ['projects', '--bogus', '--json'],
      ['--json', 'env', 'set'],
    ]) {
      const run = await cli(args);
      expect(run.code).toBe(2);
      expect(JSON.parse(run.stdout)).toEqual({
        error: {
          code: 'INVALID_ARGUMENTS',
          message: expect.stringMatching(/unknown option '--bogus'|missing required argument/),
        },
      });
      expect(run.stdout.trim().split('\n')).toHaveLength(1);
    }
    const help = await cli(['projects', '--help', '--json']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: slipway projects/);
  });
});
