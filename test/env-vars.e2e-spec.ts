import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import mongoose from 'mongoose';
import { assignRole, createProject, finishedBuild, registerUser, type TestUser } from './support/factories';
import { codeOf, gql, ok, reasonOf, type GraphQLResponse } from './support/graphql-client';
import { TestRepository } from './support/git-repos';
import { operations, type Operations, type Project } from './support/operations';
import { startTestApp, testEnv, type TestApp } from './support/test-app';

const run = promisify(execFile);
const key = (fill: number): string => Buffer.alloc(32, fill).toString('base64');
/** Two keys, the first current: the rotation below moves everything to the second. */
const RING = `k1:${key(11)},k2:${key(22)}`;

const ENV_FIELDS = 'id key target branch type value maskedValue version';
const SET = `mutation ($input: SetEnvVarInput!) { setEnvVar(input: $input) { ${ENV_FIELDS} } }`;
const LIST = `query ($projectId: ID!, $target: EnvTarget) { envVars(projectId: $projectId, target: $target) { ${ENV_FIELDS} } }`;
const DELETE = `mutation ($input: DeleteEnvVarInput!) { deleteEnvVar(input: $input) }`;
const IMPORT = `mutation ($input: ImportEnvVarsInput!) {
  importEnvVars(input: $input) { imported rejected { line reason } version }
}`;
const EXPORT = `query ($projectId: ID!, $target: EnvTarget!, $branch: String) {
  exportEnvVars(projectId: $projectId, target: $target, branch: $branch)
}`;

interface EnvVar {
  id: string;
  key: string;
  target: string;
  branch: string | null;
  type: string;
  value: string | null;
  maskedValue: string;
  version: number;
}

/**
 * Environment variables: encrypted at rest under a key ring that can be rotated, secrets never
 * read back, dotenv import and export, and builds that get their own environment's values.
 */
describe('environment variables', () => {
  let api: TestApp;
  let on: Operations;
  let owner: TestUser;
  let project: Project;
  const SECRET = 'sk_live_0123456789abcdefSECRET';
  const repo = new TestRepository();

  beforeAll(async () => {
    api = await startTestApp({ ALLOW_LOCAL_REPOSITORIES: 'true', ENCRYPTION_KEYS: RING, ENCRYPTION_KEY_CURRENT: 'k1' });
    on = operations(api.url);
    owner = await registerUser(api.url);
    project = await createProject(api.url, owner.accessToken);
    repo.commit('A page', { 'index.html': '<h1>env</h1>' });
  });

  afterAll(async () => {
    await api?.close();
  });

  const send = <T>(query: string, variables: Record<string, unknown>, token = owner.accessToken) =>
    gql<T>(api.url, query, variables, token);
  const set = (input: Record<string, unknown>, token = owner.accessToken) =>
    send<{ setEnvVar: EnvVar[] }>(SET, { input: { projectId: project.id, ...input } }, token);
  const list = async (): Promise<EnvVar[]> =>
    ok(await send<{ envVars: EnvVar[] }>(LIST, { projectId: project.id })).envVars;

  /** The stored documents, read straight from MongoDB. */
  async function stored(): Promise<Array<{ key: string; value: string }>> {
    const connection = await mongoose.createConnection(api.config.MONGODB_URI).asPromise();
    try {
      return await connection.collection<{ key: string; value: string }>('env_vars').find({}).toArray();
    } finally {
      await connection.close();
    }
  }

  it('never gives a secret back, through any query, error or audit entry, and stores it encrypted', async () => {
    const written = ok(await set({ key: 'API_TOKEN', value: SECRET, type: 'SECRET', targets: ['PRODUCTION'] }));
    expect(written.setEnvVar).toEqual([
      expect.objectContaining({ key: 'API_TOKEN', target: 'PRODUCTION', type: 'SECRET', value: null, branch: null }),
    ]);
    ok(await set({ key: 'PUBLIC_URL', value: 'https://example.test/app', targets: [] }));
    const all = await list();
    expect(all.map((v) => [v.key, v.target, v.value])).toEqual([
      ['API_TOKEN', 'PRODUCTION', null],
      ['PUBLIC_URL', 'DEVELOPMENT', 'https://example.test/app'],
      ['PUBLIC_URL', 'PREVIEW', 'https://example.test/app'],
      ['PUBLIC_URL', 'PRODUCTION', 'https://example.test/app'],
    ]);
    expect(all[0]!.maskedValue).toMatch(/^•+$/);

    // A refused write that carries the secret does not echo it either.
    const refused = await set({ key: '1BAD', value: SECRET, type: 'SECRET' });
    expect([codeOf(refused), reasonOf(refused)]).toEqual(['BAD_USER_INPUT', 'INVALID_ENV_KEY']);
    const exported = ok(await send<{ exportEnvVars: string }>(EXPORT, { projectId: project.id, target: 'PRODUCTION' }));
    expect(exported.exportEnvVars).toBe('PUBLIC_URL="https://example.test/app"\n');
    const audit = ok(await on.audit.logs(owner.accessToken, { projectId: project.id, first: 100 })).auditLogs;
    const setEntries = audit.edges.filter((e) => e.node.operation === 'mutation.setEnvVar');
    expect(setEntries.length).toBeGreaterThanOrEqual(3);
    expect(setEntries.map((e) => (e.node.arguments as { input: { value: string } }).input.value)).toContain(
      '[REDACTED]',
    );
    for (const response of [written, refused, exported, audit, all] as unknown[]) {
      expect(JSON.stringify(response)).not.toContain(SECRET);
    }

    const documents = await stored();
    expect(documents).toHaveLength(4);
    for (const document of documents) {
      expect(document.value).toMatch(/^enc:v1:k1:/);
      expect(document.value).not.toContain(SECRET);
      expect(document.value).not.toContain('example.test');
    }
  });

  it('re-encrypts every value under a new key, resuming a rotation that was interrupted', async () => {
    ok(await set({ key: 'EXTRA_SECRET', value: 'another-secret-value', type: 'SECRET', targets: ['PREVIEW'] }));
    const before = await stored();
    expect(before.length).toBeGreaterThanOrEqual(5);
    const maintenance = (...args: string[]) =>
      run(process.execPath, [path.resolve('dist/maintenance.js'), 'rotate-encryption-key', ...args], {
        env: {
          ...testEnv({}),
          MONGODB_URI: api.config.MONGODB_URI,
          REDIS_PREFIX: api.config.REDIS_PREFIX,
          ENCRYPTION_KEYS: RING,
          ENCRYPTION_KEY_CURRENT: 'k2',
        },
      }).then(
        ({ stdout }) => ({ code: 0, report: JSON.parse(stdout) as { complete: boolean } }),
        (error: { code: number; stdout: string; stderr: string }) => {
          if (!error.stdout) throw new Error(`maintenance failed: ${error.stderr}`);
          return { code: error.code, report: JSON.parse(error.stdout) as { complete: boolean } };
        },
      );

    // Stopped after two values, as a crash would.
    const interrupted = await maintenance('--max-documents', '2');
    expect(interrupted).toMatchObject({ code: 2, report: { keyId: 'k2', complete: false } });
    const halfway = await stored();
    expect(halfway.filter((d) => d.value.startsWith('enc:v1:k2:'))).toHaveLength(2);
    expect(halfway.filter((d) => d.value.startsWith('enc:v1:k1:'))).toHaveLength(before.length - 2);
    // Both keys are in the ring: everything still reads.
    expect((await list()).find((v) => v.key === 'PUBLIC_URL')!.value).toBe('https://example.test/app');

    const resumed = await maintenance();
    expect(resumed).toMatchObject({ code: 0, report: { complete: true } });
    const after = await stored();
    expect(after.every((d) => d.value.startsWith('enc:v1:k2:'))).toBe(true);
    const again = await maintenance();
    expect(again.report).toMatchObject({
      complete: true,
      fields: expect.arrayContaining([expect.objectContaining({ reencrypted: 0 })]),
    });
    expect((await list()).find((v) => v.key === 'PUBLIC_URL')!.value).toBe('https://example.test/app');
  });

  it('imports dotenv text, reporting each bad line by its number, and exports plain values only', async () => {
    const content = ['# settings', 'export NAME="multi', 'line"', 'bad line', '2X=1', 'GREETING=hello # comment'].join(
      '\n',
    );
    const report = ok(
      await send<{
        importEnvVars: { imported: string[]; rejected: Array<{ line: number; reason: string }>; version: number };
      }>(IMPORT, { input: { projectId: project.id, content, targets: ['DEVELOPMENT'] } }),
    ).importEnvVars;
    expect(report.imported).toEqual(['NAME', 'GREETING']);
    expect(report.rejected.map((r) => r.line)).toEqual([4, 5]);
    const text = ok(await send<{ exportEnvVars: string }>(EXPORT, { projectId: project.id, target: 'DEVELOPMENT' }));
    expect(text.exportEnvVars).toBe('GREETING="hello"\nNAME="multi\\nline"\nPUBLIC_URL="https://example.test/app"\n');
  });

  it('gives a build the variables of its environment and branch, never the others, with secrets hidden in its log', async () => {
    const own = await createProject(api.url, owner.accessToken);
    ok(
      await on.builds.updateSettings(owner.accessToken, {
        projectId: own.id,
        repositoryUrl: repo.dir,
        buildCommand: 'echo "FOO=${FOO:-unset} BAR=${BAR:-unset} PATH_SET=${PATH:+yes}"; echo "token $TOKEN"',
        outputDirectory: '.',
      }),
    );
    const setIn = (input: Record<string, unknown>) =>
      send(SET, { input: { projectId: own.id, ...input } }).then((r) => ok(r as GraphQLResponse<unknown>));
    await setIn({ key: 'FOO', value: 'production-foo', targets: ['PRODUCTION'] });
    await setIn({ key: 'BAR', value: 'preview-bar', targets: ['PREVIEW'] });
    await setIn({ key: 'BAR', value: 'feature-bar', targets: ['PREVIEW'], branch: 'feature' });
    await setIn({ key: 'TOKEN', value: 'tok_abcdef123456', type: 'SECRET', targets: ['PRODUCTION'] });

    const buildOf = async (branch: string) => {
      const queued = ok(await on.builds.create(owner.accessToken, { projectId: own.id, branch })).createBuild;
      const done = await finishedBuild(api.url, owner.accessToken, queued.id, 30_000);
      expect(done.status).toBe('SUCCEEDED');
      const lines = ok(await on.builds.logs(owner.accessToken, { buildId: done.id })).buildLogs;
      const detail = ok(
        await send<{ build: { envVersion: number; envKeys: string[] } }>(
          'query ($id: ID!) { build(id: $id) { envVersion envKeys } }',
          { id: done.id },
        ),
      ).build;
      return {
        detail,
        printed: lines.filter((l) => l.stream === 'stdout').map((l) => l.text),
        all: lines.map((l) => l.text),
      };
    };

    const production = await buildOf('main');
    expect(production.printed).toEqual(['FOO=production-foo BAR=unset PATH_SET=yes', 'token ••••••']);
    expect(production.all.join('\n')).not.toContain('tok_abcdef123456');
    expect(production.detail).toEqual({ envVersion: 4, envKeys: ['FOO', 'TOKEN'] });

    repo.branch('feature');
    repo.commit('A feature', { 'feature.html': 'f' });
    repo.branch('other');
    repo.branch('main');
    expect((await buildOf('feature')).printed[0]).toBe('FOO=unset BAR=feature-bar PATH_SET=yes');
    expect((await buildOf('other')).printed[0]).toBe('FOO=unset BAR=preview-bar PATH_SET=yes');
  });

  it('refuses bad input with a clear code and keeps what was stored', async () => {
    const before = await list();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ key: 'has-dash', value: 'x' }, 'INVALID_ENV_KEY'],
      [{ key: 'K'.repeat(257), value: 'x' }, 'INVALID_INPUT'],
      [{ key: 'BIG', value: 'x'.repeat(64 * 1024 + 1) }, 'INVALID_INPUT'],
      [{ key: 'NUL', value: 'a\u0000b' }, 'INVALID_ENV_VALUE'],
      [{ key: 'BRANCHED', value: 'x', branch: '-evil' }, 'INVALID_BRANCH'],
      [{ key: 'BRANCHED', value: 'x', branch: 'a..b' }, 'INVALID_BRANCH'],
    ];
    for (const [input, reason] of cases) {
      const response = await set(input);
      expect([reason, codeOf(response), reasonOf(response)]).toEqual([reason, 'BAD_USER_INPUT', reason]);
    }
    expect(codeOf(await set({ key: 'T', value: 'x', targets: ['STAGING'] }))).toBe('BAD_USER_INPUT');
    const missing = await send(DELETE, { input: { projectId: project.id, key: 'NOT_THERE' } });
    expect([codeOf(missing), reasonOf(missing)]).toEqual(['NOT_FOUND', 'ENV_VAR_NOT_FOUND']);
    expect(await list()).toEqual(before);

    expect(
      ok(
        await send<{ deleteEnvVar: number }>(DELETE, {
          input: { projectId: project.id, key: 'PUBLIC_URL', targets: ['PREVIEW'] },
        }),
      ).deleteEnvVar,
    ).toBe(1);
    expect((await list()).filter((v) => v.key === 'PUBLIC_URL').map((v) => v.target)).toEqual([
      'DEVELOPMENT',
      'PRODUCTION',
    ]);
  });

  it('keeps variables to those allowed to see them', async () => {
    const outsider = await registerUser(api.url);
    expect(codeOf(await send(LIST, { projectId: project.id }, outsider.accessToken))).toBe('FORBIDDEN');
    expect(codeOf(await set({ key: 'X', value: 'y' }, outsider.accessToken))).toBe('FORBIDDEN');
    const viewer = await registerUser(api.url);
    await assignRole(api.url, owner.accessToken, { projectId: project.id, userId: viewer.id, roleId: 'viewer' });
    expect(codeOf(await send(LIST, { projectId: project.id }, viewer.accessToken))).toBe('FORBIDDEN');
  });
});
