import mongoose, { Types } from 'mongoose';
import { codeOf, gql, ok, reasonOf, waitFor } from './support/graphql-client';
import { createProject, registerUser, type TestUser } from './support/factories';
import {
  operations,
  PROJECT,
  UPDATE_PROJECT,
  type AuditLog,
  type AuditLogsArgs,
  type Operations,
} from './support/operations';
import { startTestApp, type TestApp } from './support/test-app';
import { modernClient, runOverWebSocket } from './support/ws-clients';

/**
 * The audit log over real HTTP: what a mutation leaves behind when it is granted, fails or is
 * denied; that secrets never reach it; its filters and paging; and who may read it. Writes are
 * buffered, so every read of a fresh entry polls.
 */

const USER_AGENT = 'slipway-audit-e2e/1.0 (+https://example.test/audit)';
const HEADERS = { 'user-agent': USER_AGENT };
const unknownId = (): string => new Types.ObjectId().toHexString();

describe('the audit log, end to end', () => {
  let api: TestApp;
  // Every request carries the user agent, which the entries must record.
  let ops: Operations;
  let db: mongoose.Connection;
  let owner: TestUser;

  const logs = (variables: AuditLogsArgs, reader: TestUser = owner) => ops.audit.logs(reader.accessToken, variables);
  /** Every entry of a project matching the filters, newest first. */
  const entriesOf = async (variables: AuditLogsArgs, reader: TestUser = owner): Promise<AuditLog[]> =>
    ok(await logs({ first: 100, ...variables }, reader)).auditLogs.edges.map((e) => e.node);
  /** Polls until an entry of the project satisfies `match`. */
  const entryOf = (projectId: string, match: (entry: AuditLog) => boolean, what: string): Promise<AuditLog> =>
    waitFor(async () => (await entriesOf({ projectId })).find(match), 5_000, what);
  const storedEntries = () => db.collection('audit_logs').find({}).toArray();

  beforeAll(async () => {
    api = await startTestApp();
    ops = operations(api.url, HEADERS);
    db = await mongoose.createConnection(api.config.MONGODB_URI).asPromise();
    owner = await registerUser(api.url);
  });

  afterAll(async () => {
    await db?.close();
    await api?.close();
  });

  describe('what a mutation leaves behind', () => {
    let project: { id: string };
    let outsider: TestUser;

    beforeAll(async () => {
      project = await createProject(api.url, owner.accessToken);
      outsider = await registerUser(api.url);
    });

    it('records a granted mutation with its actor, project, arguments, duration, IP and user agent', async () => {
      const before = Date.now();
      const role = ok(
        await ops.access.createRole(owner.accessToken, {
          projectId: project.id,
          name: 'Audited role',
          permissions: ['PROJECT_READ'],
        }),
      ).createRole;

      const sut = await entryOf(
        project.id,
        (e) => e.operation === 'mutation.createRole' && e.arguments.input?.name === 'Audited role',
        'the createRole entry',
      );

      expect(sut).toMatchObject({
        actorId: owner.id,
        actorEmail: owner.email,
        projectId: project.id,
        outcome: 'GRANTED',
        errorCode: null,
        errorReason: null,
        userAgent: USER_AGENT,
      });
      expect(sut.arguments).toEqual({
        input: { projectId: project.id, name: 'Audited role', permissions: ['project:read'] },
      });
      expect(sut.ip).toMatch(/127\.0\.0\.1/);
      expect(typeof sut.durationMs).toBe('number');
      expect(sut.durationMs).toBeGreaterThanOrEqual(0);
      expect(Date.parse(sut.occurredAt)).toBeGreaterThanOrEqual(before - 1_000);
      expect(Date.parse(sut.occurredAt)).toBeLessThanOrEqual(Date.now() + 1_000);
      expect(role.id).toMatch(/^[0-9a-f]{24}$/);
    });

    it('records a mutation sent over WebSocket like one sent over HTTP, and no query', async () => {
      const client = modernClient(api.wsUrl, owner.accessToken);
      try {
        const renamed = await runOverWebSocket(client, UPDATE_PROJECT, { input: { id: project.id, name: 'Over WS' } });
        expect(renamed.errors).toBeUndefined();
        const read = await runOverWebSocket(client, PROJECT, { id: project.id });
        expect(read.data?.project?.name).toBe('Over WS');
      } finally {
        await client.dispose();
      }

      const sut = await entryOf(
        project.id,
        (e) => e.operation === 'mutation.updateProject' && e.arguments.input?.name === 'Over WS',
        'the updateProject entry sent over WebSocket',
      );

      expect(sut).toMatchObject({ actorId: owner.id, projectId: project.id, outcome: 'GRANTED' });
      expect(sut.ip).toMatch(/127\.0\.0\.1/);
      expect((await entriesOf({ projectId: project.id })).some((e) => e.operation.startsWith('query.'))).toBe(false);
    });

    it('records every mutation of a project’s life, in order, including its deletion', async () => {
      const member = await registerUser(api.url);
      const created = ok(await ops.projects.create(owner.accessToken, { name: 'Lifecycle' })).createProject;
      const p = created.id;
      ok(await ops.projects.update(owner.accessToken, { id: p, name: 'Lifecycle 2' }));
      const role = ok(
        await ops.access.createRole(owner.accessToken, { projectId: p, name: 'Life', permissions: [] }),
      ).createRole;
      ok(await ops.access.updateRolePermissions(owner.accessToken, { roleId: role.id, permissions: ['PROJECT_READ'] }));
      ok(await ops.access.assignRole(owner.accessToken, { projectId: p, userId: member.id, roleId: role.id }));
      ok(
        await ops.access.grantPermission(owner.accessToken, {
          projectId: p,
          userId: member.id,
          permission: 'BUILD_READ',
        }),
      );
      ok(
        await ops.access.revokePermission(owner.accessToken, {
          projectId: p,
          userId: member.id,
          permission: 'BUILD_READ',
        }),
      );
      ok(await ops.access.removeRole(owner.accessToken, { projectId: p, userId: member.id, roleId: role.id }));
      ok(await ops.access.deleteRole(owner.accessToken, { roleId: role.id }));
      const expected = [
        'mutation.createProject',
        'mutation.updateProject',
        'mutation.createRole',
        'mutation.updateRolePermissions',
        'mutation.assignRole',
        'mutation.grantPermission',
        'mutation.revokePermission',
        'mutation.removeRole',
        'mutation.deleteRole',
      ];

      const entries = await waitFor(
        async () => {
          const found = await entriesOf({ projectId: p });
          return found.length >= expected.length ? found : undefined;
        },
        5_000,
        'the lifecycle entries',
      );

      expect(entries.map((e) => e.operation)).toEqual([...expected].reverse());
      expect(entries.every((e) => e.outcome === 'GRANTED' && e.actorId === owner.id && e.projectId === p)).toBe(true);
      expect(entries.every((e) => e.durationMs >= 0 && e.userAgent === USER_AGENT)).toBe(true);

      // The log outlives the project; only the database can show it now.
      ok(await ops.projects.delete(owner.accessToken, { id: p }));
      const deletion = await waitFor(
        async () =>
          (await db.collection('audit_logs').findOne({ projectId: p, operation: 'mutation.deleteProject' })) ??
          undefined,
        5_000,
        'the deleteProject entry',
      );
      expect(deletion).toMatchObject({ outcome: 'GRANTED', actorId: owner.id, errorCode: null });
      expect(await db.collection('audit_logs').countDocuments({ projectId: p })).toBe(expected.length + 1);
    });

    it('records a failed mutation with its public code and reason', async () => {
      await ops.access.createRole(owner.accessToken, { projectId: project.id, name: 'Twin', permissions: [] });

      const duplicate = await ops.access.createRole(owner.accessToken, {
        projectId: project.id,
        name: 'TWIN',
        permissions: [],
      });
      const ghost = await ops.access.assignRole(owner.accessToken, {
        projectId: project.id,
        userId: unknownId(),
        roleId: 'viewer',
      });

      expect(codeOf(duplicate)).toBe('CONFLICT');
      expect(codeOf(ghost)).toBe('NOT_FOUND');
      const conflict = await entryOf(project.id, (e) => e.arguments.input?.name === 'TWIN', 'the duplicate role entry');
      expect(conflict).toMatchObject({
        operation: 'mutation.createRole',
        outcome: 'FAILED',
        errorCode: 'CONFLICT',
        errorReason: 'ROLE_NAME_TAKEN',
        actorId: owner.id,
        projectId: project.id,
      });
      expect(conflict.durationMs).toBeGreaterThanOrEqual(0);
      const missing = await entryOf(
        project.id,
        (e) => e.operation === 'mutation.assignRole' && e.outcome === 'FAILED',
        'the failed assignment',
      );
      expect(missing).toMatchObject({ errorCode: 'NOT_FOUND', errorReason: 'USER_NOT_FOUND', actorId: owner.id });
    });

    it('records input the validators refuse, even an unparseable date, and still answers BAD_USER_INPUT', async () => {
      const member = await registerUser(api.url);

      const res = await ops.access.assignRole(owner.accessToken, {
        projectId: project.id,
        userId: member.id,
        roleId: 'viewer',
        expiresAt: 'next tuesday',
      });

      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      const sut = await entryOf(
        project.id,
        (e) => e.operation === 'mutation.assignRole' && e.arguments.input?.userId === member.id,
        'the refused assignment',
      );
      expect(sut).toMatchObject({ outcome: 'FAILED', errorCode: 'BAD_USER_INPUT', errorReason: 'INVALID_INPUT' });
      expect(sut.arguments.input.expiresAt).toBe('Invalid Date');
    });

    it('attributes each mutation of a multi-mutation request to its own project', async () => {
      const res = await gql<{ updateProject: { name: string }; createProject: { id: string } }>(
        api.url,
        `mutation ($a: UpdateProjectInput!, $b: CreateProjectInput!) {
          updateProject(input: $a) { name }
          createProject(input: $b) { id }
        }`,
        { a: { id: project.id, name: 'First of two' }, b: { name: 'Second of two' } },
        owner.accessToken,
        HEADERS,
      );
      const created = ok(res).createProject.id;

      const entry = await entryOf(
        created,
        (e) => e.operation === 'mutation.createProject',
        'the second mutation’s entry',
      );
      expect(entry).toMatchObject({ projectId: created, outcome: 'GRANTED', actorId: owner.id });
      const first = await entryOf(
        project.id,
        (e) => e.arguments.input?.name === 'First of two',
        'the first mutation’s entry',
      );
      expect(first.operation).toBe('mutation.updateProject');
      const names = (await entriesOf({ projectId: project.id, operation: 'mutation.createProject' })).map(
        (e) => e.arguments.input.name,
      );
      expect(names).not.toContain('Second of two');
    });

    it('records attempts the access rules deny, by non-members and by members alike', async () => {
      const viewer = await registerUser(api.url);
      ok(
        await ops.access.assignRole(owner.accessToken, { projectId: project.id, userId: viewer.id, roleId: 'viewer' }),
      );
      const nameBefore = ok(await ops.projects.get(owner.accessToken, { id: project.id })).project.name;

      const byOutsider = await ops.projects.update(outsider.accessToken, { id: project.id, name: 'Defaced' });
      const byOutsiderToo = await ops.access.grantPermission(outsider.accessToken, {
        projectId: project.id,
        userId: outsider.id,
        permission: 'PROJECT_DELETE',
      });
      const byViewer = await ops.projects.delete(viewer.accessToken, { id: project.id });

      expect([codeOf(byOutsider), codeOf(byOutsiderToo), codeOf(byViewer)]).toEqual([
        'FORBIDDEN',
        'FORBIDDEN',
        'FORBIDDEN',
      ]);
      expect(ok(await ops.projects.get(owner.accessToken, { id: project.id })).project.name).toBe(nameBefore);
      const denied = await waitFor(
        async () => {
          const found = await entriesOf({ projectId: project.id, outcome: 'DENIED' });
          return found.length >= 3 ? found : undefined;
        },
        5_000,
        'three denied entries',
      );
      expect(denied.map((e) => [e.operation, e.actorId, e.errorCode])).toEqual([
        ['mutation.deleteProject', viewer.id, 'FORBIDDEN'],
        ['mutation.grantPermission', outsider.id, 'FORBIDDEN'],
        ['mutation.updateProject', outsider.id, 'FORBIDDEN'],
      ]);
      expect(denied[2]).toMatchObject({
        projectId: project.id,
        actorEmail: outsider.email,
        arguments: { input: { id: project.id, name: 'Defaced' } },
        userAgent: USER_AGENT,
      });
      expect(denied[2]!.ip).toMatch(/127\.0\.0\.1/);
    });
  });

  describe('secrets', () => {
    it('never stores a password, refresh token or access token, whatever the outcome', async () => {
      const started = new Date();
      const email = `secret-${Date.now()}@example.test`;
      const password = 'Pa55word-that-must-never-be-stored';
      const wrongPassword = 'Wr0ng-password-that-must-never-be-stored';
      const tooShort = 'Sh0rt!';

      const registered = ok(await ops.auth.register({ email, password, name: 'Secretive' })).register;
      expect(codeOf(await ops.auth.register({ email: `x${email}`, password: tooShort, name: 'Short' }))).toBe(
        'BAD_USER_INPUT',
      );
      expect(codeOf(await ops.auth.register({ email, password, name: 'Again' }))).toBe('CONFLICT');
      const login = ok(await ops.auth.login({ email, password })).login;
      expect(codeOf(await ops.auth.login({ email, password: wrongPassword }))).toBe('UNAUTHENTICATED');
      const refreshed = ok(await ops.auth.refreshToken({ refreshToken: login.refreshToken })).refreshToken;
      // A replayed refresh token fails, and its entry must not keep it either.
      expect(codeOf(await ops.auth.refreshToken({ refreshToken: login.refreshToken }))).toBe('UNAUTHENTICATED');
      // The replay revoked the session it belonged to; the sign-up session is another one.
      ok(await ops.auth.logout(registered.accessToken));

      const stored = await waitFor(
        async () => {
          const docs = await db
            .collection('audit_logs')
            .find({ occurredAt: { $gte: started } })
            .toArray();
          const ops = docs.map((d) => `${d.operation}:${d.outcome}`);
          const needed = [
            'mutation.register:GRANTED',
            'mutation.register:FAILED',
            'mutation.login:GRANTED',
            'mutation.login:FAILED',
            'mutation.refreshToken:GRANTED',
            'mutation.refreshToken:FAILED',
            'mutation.logout:GRANTED',
          ];
          return needed.every((n) => ops.includes(n)) ? docs : undefined;
        },
        5_000,
        'the sign-up and sign-in entries',
      );

      const everything = JSON.stringify(await storedEntries());
      for (const secret of [
        password,
        wrongPassword,
        tooShort,
        registered.refreshToken,
        registered.accessToken,
        login.refreshToken,
        login.accessToken,
        refreshed.refreshToken,
        refreshed.accessToken,
      ]) {
        expect({ leaked: everything.includes(secret), secret: secret.slice(0, 12) }).toEqual({
          leaked: false,
          secret: secret.slice(0, 12),
        });
      }
      const signUp = stored.find((d) => d.operation === 'mutation.register' && d.outcome === 'GRANTED')!;
      expect(signUp.arguments).toEqual({ input: { email, password: '[REDACTED]', name: 'Secretive' } });
      expect(signUp.actorId).toBe(registered.user.id);
      const signIn = stored.find((d) => d.operation === 'mutation.login' && d.outcome === 'GRANTED')!;
      expect(signIn).toMatchObject({
        actorId: registered.user.id,
        userAgent: USER_AGENT,
        arguments: { input: { email, password: '[REDACTED]' } },
      });
      const badSignIn = stored.find((d) => d.operation === 'mutation.login' && d.outcome === 'FAILED')!;
      expect(badSignIn).toMatchObject({
        actorId: null,
        errorCode: 'UNAUTHENTICATED',
        errorReason: 'INVALID_CREDENTIALS',
      });
      const refresh = stored.find((d) => d.operation === 'mutation.refreshToken' && d.outcome === 'GRANTED')!;
      expect(refresh.arguments).toEqual({ input: { refreshToken: '[REDACTED]' } });
    });
  });

  describe('reading the log', () => {
    let project: { id: string };
    let admin: TestUser;
    let outsider: TestUser;
    let all: AuditLog[];

    beforeAll(async () => {
      project = await createProject(api.url, owner.accessToken);
      [admin, outsider] = await Promise.all([registerUser(api.url), registerUser(api.url)]);
      const p = project.id;
      ok(await ops.access.assignRole(owner.accessToken, { projectId: p, userId: admin.id, roleId: 'admin' }));
      for (const name of ['One', 'Two', 'Three'])
        ok(await ops.access.createRole(owner.accessToken, { projectId: p, name, permissions: [] }));
      ok(await ops.access.createRole(admin.accessToken, { projectId: p, name: 'By admin', permissions: [] }));
      ok(await ops.projects.update(admin.accessToken, { id: p, name: 'Filtered' }));
      await ops.access.createRole(admin.accessToken, { projectId: p, name: 'one', permissions: [] });
      await ops.projects.update(outsider.accessToken, { id: p, name: 'Nope' });
      await ops.access.createRole(outsider.accessToken, { projectId: p, name: 'Nope', permissions: [] });
      all = await waitFor(
        async () => {
          const found = await entriesOf({ projectId: p });
          return found.length >= 10 ? found : undefined;
        },
        5_000,
        'the seeded entries',
      );
    });

    it('holds what was done, newest first', () => {
      expect(all.map((e) => [e.operation, e.outcome])).toEqual([
        ['mutation.createRole', 'DENIED'],
        ['mutation.updateProject', 'DENIED'],
        ['mutation.createRole', 'FAILED'],
        ['mutation.updateProject', 'GRANTED'],
        ['mutation.createRole', 'GRANTED'],
        ['mutation.createRole', 'GRANTED'],
        ['mutation.createRole', 'GRANTED'],
        ['mutation.createRole', 'GRANTED'],
        ['mutation.assignRole', 'GRANTED'],
        ['mutation.createProject', 'GRANTED'],
      ]);
    });

    it('filters by actor, operation and outcome, alone and together', async () => {
      const byAdmin = await entriesOf({ projectId: project.id, actorId: admin.id });
      const byAdminUpper = await entriesOf({ projectId: project.id, actorId: admin.id.toUpperCase() });
      const creations = await entriesOf({ projectId: project.id, operation: 'mutation.createRole' });
      const denied = await entriesOf({ projectId: project.id, outcome: 'DENIED' });
      const failed = await entriesOf({ projectId: project.id, outcome: 'FAILED' });
      const adminCreations = await entriesOf({
        projectId: project.id,
        actorId: admin.id,
        operation: 'mutation.createRole',
        outcome: 'GRANTED',
      });
      const nothing = await entriesOf({ projectId: project.id, operation: 'mutation.createrole' });

      expect(byAdmin.map((e) => e.id)).toEqual(all.filter((e) => e.actorId === admin.id).map((e) => e.id));
      expect(byAdmin).toHaveLength(3);
      expect(byAdminUpper.map((e) => e.id)).toEqual(byAdmin.map((e) => e.id));
      expect(creations.map((e) => e.id)).toEqual(
        all.filter((e) => e.operation === 'mutation.createRole').map((e) => e.id),
      );
      expect(creations).toHaveLength(6);
      expect(denied.map((e) => e.actorId)).toEqual([outsider.id, outsider.id]);
      expect(failed.map((e) => [e.actorId, e.errorCode])).toEqual([[admin.id, 'CONFLICT']]);
      expect(adminCreations.map((e) => e.arguments.input.name)).toEqual(['By admin']);
      expect(nothing).toEqual([]);
    });

    it('filters by time: since is inclusive, until exclusive, and together they split the log', async () => {
      const pivot = all[4]!.occurredAt;
      const at = Date.parse(pivot);

      const since = await entriesOf({ projectId: project.id, since: pivot });
      const until = await entriesOf({ projectId: project.id, until: pivot });
      const window = await entriesOf({
        projectId: project.id,
        since: all[8]!.occurredAt,
        until: new Date(at + 1).toISOString(),
      });

      expect(since.map((e) => e.id)).toEqual(all.filter((e) => Date.parse(e.occurredAt) >= at).map((e) => e.id));
      expect(until.map((e) => e.id)).toEqual(all.filter((e) => Date.parse(e.occurredAt) < at).map((e) => e.id));
      expect(since.length + until.length).toBe(all.length);
      expect(since.map((e) => e.id)).toContain(all[4]!.id);
      expect(window.map((e) => e.id)).toEqual(
        all
          .filter((e) => Date.parse(e.occurredAt) >= Date.parse(all[8]!.occurredAt) && Date.parse(e.occurredAt) <= at)
          .map((e) => e.id),
      );
      expect(await entriesOf({ projectId: project.id, since: new Date(Date.now() + 60_000).toISOString() })).toEqual(
        [],
      );
    });

    it('pages through every entry once with first/after', async () => {
      const seen: string[] = [];
      const totals: number[] = [];
      let after: string | undefined;
      for (let page = 0; page < 20; page += 1) {
        const res = ok(await logs({ projectId: project.id, first: 3, after })).auditLogs;
        seen.push(...res.edges.map((e) => e.node.id));
        totals.push(res.totalCount);
        expect(res.pageInfo.hasPreviousPage).toBe(after !== undefined);
        if (!res.pageInfo.hasNextPage) break;
        after = res.pageInfo.endCursor ?? undefined;
      }

      // Reading is not audited, so the total holds still while paging.
      expect(totals).toEqual([all.length, all.length, all.length, all.length]);
      expect(seen).toEqual(all.map((e) => e.id));
      const filtered = ok(await logs({ projectId: project.id, operation: 'mutation.createRole', first: 4 })).auditLogs;
      expect([filtered.totalCount, filtered.edges.length, filtered.pageInfo.hasNextPage]).toEqual([6, 4, true]);
      const rest = ok(
        await logs({
          projectId: project.id,
          operation: 'mutation.createRole',
          first: 4,
          after: filtered.pageInfo.endCursor,
        }),
      ).auditLogs;
      expect([rest.edges.length, rest.pageInfo.hasNextPage]).toEqual([2, false]);
    });

    it('lets an admin read it, since the built-in Admin role carries audit:read', async () => {
      expect((await entriesOf({ projectId: project.id }, admin)).map((e) => e.id)).toEqual(all.map((e) => e.id));
    });

    it.each([
      ['a malformed project id', { projectId: 'zzz' }],
      ['a numeric project id', { projectId: '123' }],
      ['a malformed actor id', { actorId: 'bob' }],
      ['a malformed token actor id', { actorId: 'token:zzz' }],
      ['an unknown outcome', { outcome: 'NOPE' }],
      ['an oversized operation', { operation: `mutation.${'x'.repeat(120)}` }],
      ['an unparseable since', { since: 'yesterday' }],
      ['an unparseable until', { until: 'tomorrow' }],
      ['first: 0', { first: 0 }],
      ['first: 1000', { first: 1000 }],
      ['a forged after cursor', { after: 'forged' }],
    ])('rejects %s with BAD_USER_INPUT', async (_label, variables) => {
      const res = await logs({ projectId: project.id, ...variables });

      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      expect(res.data?.auditLogs ?? null).toBeNull();
    });

    it('rejects an unknown outcome written into the document with BAD_USER_INPUT', async () => {
      const res = await gql(
        api.url,
        `query ($p: ID!) { auditLogs(projectId: $p, outcome: NOPE) { totalCount } }`,
        { p: project.id },
        owner.accessToken,
        HEADERS,
      );

      expect(codeOf(res)).toBe('BAD_USER_INPUT');
    });

    it('answers NOT_FOUND for an unknown project, FORBIDDEN for a non-member, UNAUTHENTICATED without a token', async () => {
      expect(codeOf(await logs({ projectId: unknownId() }))).toBe('NOT_FOUND');
      expect(codeOf(await logs({ projectId: project.id }, outsider))).toBe('FORBIDDEN');
      expect(codeOf(await ops.audit.logs(undefined, { projectId: project.id }))).toBe('UNAUTHENTICATED');
    });

    it.each([['viewer'], ['developer']])('refuses a %s with FORBIDDEN, and audits the refusal', async (roleId) => {
      const member = await registerUser(api.url);
      ok(await ops.access.assignRole(owner.accessToken, { projectId: project.id, userId: member.id, roleId }));

      const res = await logs({ projectId: project.id, outcome: 'GRANTED' }, member);

      expect(codeOf(res)).toBe('FORBIDDEN');
      expect(reasonOf(res)).toBe('FORBIDDEN');
      expect(res.data?.auditLogs ?? null).toBeNull();
      const denial = await entryOf(
        project.id,
        (e) => e.operation === 'query.auditLogs' && e.actorId === member.id,
        `the ${roleId}'s denied read`,
      );
      expect(denial).toMatchObject({
        outcome: 'DENIED',
        errorCode: 'FORBIDDEN',
        projectId: project.id,
        actorEmail: member.email,
        userAgent: USER_AGENT,
        arguments: { projectId: project.id, outcome: 'GRANTED' },
      });
    });
  });
});
