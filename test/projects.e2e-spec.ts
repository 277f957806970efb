import mongoose, { Types } from 'mongoose';
import { codeOf, gql, ok, reasonOf, waitFor, type GraphQLResponse } from './support/graphql-client';
import { assignRole, createRole, grantPermission, registerUser, type TestUser } from './support/factories';
import {
  operations,
  PROJECT_EVENTS,
  type Connection,
  type Operations,
  type Project,
  type ProjectEvent,
} from './support/operations';
import { startTestApp, type TestApp } from './support/test-app';
import { modernClient } from './support/ws-clients';

/**
 * Projects over real HTTP: creation and ownership, slugs, listing and paging, reads, updates and
 * deletion, and every way a caller can get an operation wrong. Each refused mutation is followed
 * by a read showing that nothing changed.
 */

/** An id no document has. */
const unknownId = (): string => new Types.ObjectId().toHexString();

describe('projects, end to end', () => {
  let api: TestApp;
  let ops: Operations;
  let db: mongoose.Connection;
  let alice: TestUser;
  let bob: TestUser;

  /** The project as its owner sees it now. */
  const current = async (id: string, token = alice.accessToken): Promise<Project> =>
    ok(await ops.projects.get(token, { id })).project;
  const visibleIds = async (user: TestUser): Promise<string[]> =>
    ok(await ops.projects.list(user.accessToken, { first: 100 })).projects.edges.map((e) => e.node.id);
  const totalOf = async (user: TestUser): Promise<number> =>
    ok(await ops.projects.list(user.accessToken)).projects.totalCount;
  const assign = (projectId: string, userId: string, roleId: string) =>
    assignRole(api.url, alice.accessToken, { projectId, userId, roleId });

  beforeAll(async () => {
    api = await startTestApp();
    ops = operations(api.url);
    db = await mongoose.createConnection(api.config.MONGODB_URI).asPromise();
    [alice, bob] = await Promise.all([registerUser(api.url), registerUser(api.url)]);
  });

  afterAll(async () => {
    await db?.close();
    await api?.close();
  });

  describe('createProject', () => {
    it('derives the slug from the name and makes the creator the one owner', async () => {
      const sut = ok(
        await ops.projects.create(alice.accessToken, { name: '  Crème Brûlée Shop!  ', description: ' Desserts ' }),
      ).createProject;

      expect(sut).toMatchObject({
        name: 'Crème Brûlée Shop!',
        slug: 'creme-brulee-shop',
        description: 'Desserts',
        ownerId: alice.id,
      });
      expect(Types.ObjectId.isValid(sut.id)).toBe(true);
      const roles = ok(await ops.access.roles(alice.accessToken, { projectId: sut.id })).roles;
      expect(roles.find((r) => r.id === 'owner')?.userCount).toBe(1);
      expect(roles.filter((r) => r.id !== 'owner').every((r) => r.userCount === 0)).toBe(true);
      const { allowed, sources } = ok(
        await ops.access.checkPermission(alice.accessToken, { projectId: sut.id, permission: 'PROJECT_DELETE' }),
      ).checkPermission;
      expect({ allowed, sources }).toEqual({ allowed: true, sources: ['role:owner'] });
      // The owner is the creator and nobody else.
      const forBob = await ops.access.checkPermission(bob.accessToken, {
        projectId: sut.id,
        permission: 'PROJECT_READ',
      });
      expect(codeOf(forBob)).toBe('FORBIDDEN');
    });

    it('keeps an explicit slug instead of deriving one', async () => {
      const sut = ok(
        await ops.projects.create(alice.accessToken, { name: 'Anything At All', slug: 'my-own-handle' }),
      ).createProject;

      expect(sut.slug).toBe('my-own-handle');
      expect((await current(sut.id)).slug).toBe('my-own-handle');
    });

    it('refuses a slug its owner already uses with CONFLICT, but another owner may use it', async () => {
      const first = ok(await ops.projects.create(alice.accessToken, { name: 'Shared Slug' })).createProject;
      const before = await totalOf(alice);

      const explicit = await ops.projects.create(alice.accessToken, { name: 'Something else', slug: first.slug });
      const derived = await ops.projects.create(alice.accessToken, { name: 'shared  slug' });

      expect(codeOf(explicit)).toBe('CONFLICT');
      expect(reasonOf(explicit)).toBe('PROJECT_SLUG_TAKEN');
      expect(codeOf(derived)).toBe('CONFLICT');
      expect(await totalOf(alice)).toBe(before);
      expect(await db.collection('projects').countDocuments({ slug: 'shared-slug' })).toBe(1);

      const bobs = ok(await ops.projects.create(bob.accessToken, { name: 'Shared Slug' })).createProject;
      expect(bobs).toMatchObject({ slug: 'shared-slug', ownerId: bob.id });
      expect(bobs.id).not.toBe(first.id);
    });

    it.each([
      ['an empty name', { name: '' }],
      ['a blank name', { name: '   ' }],
      ['a name over 100 characters', { name: 'n'.repeat(101) }],
      ['a slug with spaces', { name: 'Valid', slug: 'Has Spaces' }],
      ['a slug with upper case', { name: 'Valid', slug: 'UPPER' }],
      ['a slug starting with a dash', { name: 'Valid', slug: '-x' }],
      ['a slug ending with a dash', { name: 'Valid', slug: 'x-' }],
      ['a slug of 49 characters', { name: 'Valid', slug: 's'.repeat(49) }],
      ['an empty slug', { name: 'Valid', slug: '' }],
      ['a description over 1000 characters', { name: 'Valid', description: 'd'.repeat(1001) }],
      ['an unknown field', { name: 'Valid', ownerId: unknownId() }],
    ])('rejects %s with BAD_USER_INPUT and creates nothing', async (_label, input) => {
      const before = await db.collection('projects').countDocuments();

      const res = await ops.projects.create(alice.accessToken, input);

      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      expect(res.data?.createProject ?? null).toBeNull();
      expect(await db.collection('projects').countDocuments()).toBe(before);
    });

    it('rejects a missing name with BAD_USER_INPUT', async () => {
      const res = await gql(
        api.url,
        'mutation { createProject(input: { slug: "no-name" }) { id } }',
        {},
        alice.accessToken,
      );

      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      expect(await db.collection('projects').countDocuments({ slug: 'no-name' })).toBe(0);
    });

    it('accepts a 100-character name and a 48-character slug, the documented limits', async () => {
      const sut = ok(
        await ops.projects.create(alice.accessToken, { name: 'n'.repeat(100), slug: `a${'-b'.repeat(23)}c` }),
      ).createProject;

      expect(sut.name).toHaveLength(100);
      expect(sut.slug).toHaveLength(48);
    });

    it('requires a signed-in caller', async () => {
      const before = await db.collection('projects').countDocuments();

      const anonymous = await ops.projects.create(undefined, { name: 'Nobody’s' });
      const forged = await ops.projects.create('not.a.jwt', { name: 'Forged' });

      expect(codeOf(anonymous)).toBe('UNAUTHENTICATED');
      expect(codeOf(forged)).toBe('UNAUTHENTICATED');
      expect(await db.collection('projects').countDocuments()).toBe(before);
    });
  });

  describe('projects', () => {
    it('pages through every project once, newest first, with first/after', async () => {
      const carol = await registerUser(api.url);
      const created: string[] = [];
      for (let i = 1; i <= 5; i += 1) {
        created.push(ok(await ops.projects.create(carol.accessToken, { name: `Paged ${i}` })).createProject.id);
      }

      const seen: string[] = [];
      const pages: Connection<Project>[] = [];
      let after: string | undefined;
      do {
        const page = ok(await ops.projects.list(carol.accessToken, { first: 2, ...(after ? { after } : {}) })).projects;
        pages.push(page);
        seen.push(...page.edges.map((e) => e.node.id));
        after = page.pageInfo.hasNextPage ? (page.pageInfo.endCursor ?? undefined) : undefined;
      } while (after && pages.length < 10);

      expect(pages.map((p) => p.edges.length)).toEqual([2, 2, 1]);
      expect(pages.map((p) => p.totalCount)).toEqual([5, 5, 5]);
      expect(pages.map((p) => p.pageInfo.hasNextPage)).toEqual([true, true, false]);
      expect(pages.map((p) => p.pageInfo.hasPreviousPage)).toEqual([false, true, true]);
      expect(new Set(seen).size).toBe(5);
      expect(seen).toEqual([...created].reverse());
      // The last page's endCursor leads nowhere.
      const beyond = ok(
        await ops.projects.list(carol.accessToken, { first: 2, after: pages[2]!.pageInfo.endCursor }),
      ).projects;
      expect(beyond.edges).toEqual([]);
      expect(beyond.pageInfo).toMatchObject({ hasNextPage: false, endCursor: null });
    });

    it('lists only the projects where the caller holds a role', async () => {
      const dave = await registerUser(api.url);
      const erin = await registerUser(api.url);
      const mine = ok(await ops.projects.create(dave.accessToken, { name: 'Dave’s' })).createProject;
      const shared = ok(await ops.projects.create(alice.accessToken, { name: 'Shared with Dave' })).createProject;

      expect(await visibleIds(dave)).toEqual([mine.id]);
      expect(await visibleIds(erin)).toEqual([]);
      expect(ok(await ops.projects.list(erin.accessToken)).projects.totalCount).toBe(0);

      await assign(shared.id, dave.id, 'viewer');

      expect(await visibleIds(dave)).toEqual([shared.id, mine.id]);
      expect(await visibleIds(erin)).toEqual([]);
      expect(await visibleIds(alice)).not.toContain(mine.id);
    });

    it.each([
      ['first: 0', { first: 0 }],
      ['first: -1', { first: -1 }],
      ['first: 1000', { first: 1000 }],
      ['a forged after cursor', { after: 'definitely-not-a-cursor' }],
      ['an after cursor with a bad id', { after: Buffer.from('c1:zzzzzzzzzzzzzzzzzzzzzzzz').toString('base64url') }],
      ['an after cursor of another format', { after: Buffer.from(`v9:${unknownId()}`).toString('base64url') }],
      ['an oversized after cursor', { after: 'a'.repeat(201) }],
    ])('rejects %s with BAD_USER_INPUT', async (_label, variables) => {
      const res = await ops.projects.list(alice.accessToken, variables);

      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      expect(res.data?.projects ?? null).toBeNull();
    });

    it('requires a signed-in caller', async () => {
      expect(codeOf(await ops.projects.list(undefined))).toBe('UNAUTHENTICATED');
    });
  });

  describe('project', () => {
    let project: Project;
    let viewer: TestUser;
    let outsider: TestUser;

    beforeAll(async () => {
      project = ok(
        await ops.projects.create(alice.accessToken, { name: 'Readable', description: 'to read' }),
      ).createProject;
      [viewer, outsider] = await Promise.all([registerUser(api.url), registerUser(api.url)]);
      await assign(project.id, viewer.id, 'viewer');
    });

    it('returns the project to its owner and to a member', async () => {
      expect(await current(project.id)).toEqual(project);
      expect(ok(await ops.projects.get(viewer.accessToken, { id: project.id })).project).toEqual(project);
      // Ids are case-insensitive hex.
      expect(ok(await ops.projects.get(alice.accessToken, { id: project.id.toUpperCase() })).project.id).toBe(
        project.id,
      );
    });

    it('refuses a signed-in user who is not a member with FORBIDDEN', async () => {
      const res = await ops.projects.get(outsider.accessToken, { id: project.id });

      expect(codeOf(res)).toBe('FORBIDDEN');
      expect(res.data?.project ?? null).toBeNull();
    });

    it.each([['zzz'], ['123'], ['zzzzzzzzzzzzzzzzzzzzzzzz'], ['']])(
      'rejects the malformed id %j with BAD_USER_INPUT',
      async (id) => {
        expect(codeOf(await ops.projects.get(alice.accessToken, { id }))).toBe('BAD_USER_INPUT');
      },
    );

    it('answers NOT_FOUND for a well-formed id no project has', async () => {
      expect(codeOf(await ops.projects.get(alice.accessToken, { id: unknownId() }))).toBe('NOT_FOUND');
    });

    it('requires a signed-in caller', async () => {
      expect(codeOf(await ops.projects.get(undefined, { id: project.id }))).toBe('UNAUTHENTICATED');
    });
  });

  describe('updateProject', () => {
    let project: Project;
    let sibling: Project;
    let viewer: TestUser;
    let outsider: TestUser;

    beforeAll(async () => {
      project = ok(
        await ops.projects.create(alice.accessToken, { name: 'Before', slug: 'before', description: 'first' }),
      ).createProject;
      sibling = ok(await ops.projects.create(alice.accessToken, { name: 'Sibling', slug: 'sibling' })).createProject;
      [viewer, outsider] = await Promise.all([registerUser(api.url), registerUser(api.url)]);
      await assign(project.id, viewer.id, 'viewer');
    });

    it('changes only the fields it is given', async () => {
      const renamed = ok(
        await ops.projects.update(alice.accessToken, { id: project.id, name: '  After  ' }),
      ).updateProject;

      expect(renamed).toMatchObject({
        id: project.id,
        name: 'After',
        slug: 'before',
        description: 'first',
        ownerId: alice.id,
      });
      expect(Date.parse(renamed.updatedAt)).toBeGreaterThanOrEqual(Date.parse(project.updatedAt));
      expect(renamed.createdAt).toBe(project.createdAt);

      const reslugged = ok(
        await ops.projects.update(alice.accessToken, { id: project.id, slug: 'after', description: '' }),
      ).updateProject;
      expect(reslugged).toMatchObject({ name: 'After', slug: 'after', description: '' });
      expect(await current(project.id)).toEqual(reslugged);
      project = reslugged;
    });

    it('lets the owner keep the project’s own slug, but not take a sibling’s (CONFLICT)', async () => {
      ok(await ops.projects.update(alice.accessToken, { id: project.id, slug: project.slug }));

      const res = await ops.projects.update(alice.accessToken, { id: project.id, slug: sibling.slug });

      expect(codeOf(res)).toBe('CONFLICT');
      expect(reasonOf(res)).toBe('PROJECT_SLUG_TAKEN');
      expect(await current(project.id)).toMatchObject({ slug: project.slug, name: project.name });
      expect((await current(sibling.id)).slug).toBe('sibling');
    });

    it.each([
      ['an empty name', { name: '' }],
      ['a blank name', { name: '   ' }],
      ['a name over 100 characters', { name: 'n'.repeat(101) }],
      ['a slug with spaces', { slug: 'Has Spaces' }],
      ['a slug starting with a dash', { slug: '-x' }],
      ['a slug of 49 characters', { slug: 's'.repeat(49) }],
      ['a null name', { name: null }],
      ['a null slug', { slug: null }],
      ['a null description', { description: null }],
      ['an unknown field', { ownerId: unknownId() }],
    ])('rejects %s with BAD_USER_INPUT and changes nothing', async (_label, change) => {
      const before = await current(project.id);

      const res = await ops.projects.update(alice.accessToken, { id: project.id, ...change });

      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      expect(await current(project.id)).toEqual(before);
    });

    it.each([['zzz'], ['123']])('rejects the malformed id %j with BAD_USER_INPUT', async (id) => {
      const res = await ops.projects.update(alice.accessToken, { id, name: 'Hijacked' });

      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      expect((await current(project.id)).name).toBe(project.name);
    });

    it('answers NOT_FOUND for a well-formed id no project has', async () => {
      const id = unknownId();

      expect(codeOf(await ops.projects.update(alice.accessToken, { id, name: 'Ghost' }))).toBe('NOT_FOUND');
      expect(await db.collection('projects').countDocuments({ _id: new Types.ObjectId(id) })).toBe(0);
    });

    it('refuses non-members and members without project:update with FORBIDDEN', async () => {
      const byOutsider = await ops.projects.update(outsider.accessToken, { id: project.id, name: 'Outsider was here' });
      const byViewer = await ops.projects.update(viewer.accessToken, { id: project.id, name: 'Viewer was here' });

      expect(codeOf(byOutsider)).toBe('FORBIDDEN');
      expect(codeOf(byViewer)).toBe('FORBIDDEN');
      expect((await current(project.id)).name).toBe(project.name);
    });

    it('requires a signed-in caller', async () => {
      const res = await ops.projects.update(undefined, { id: project.id, name: 'Anonymous was here' });

      expect(codeOf(res)).toBe('UNAUTHENTICATED');
      expect((await current(project.id)).name).toBe(project.name);
    });
  });

  describe('deleteProject', () => {
    let project: Project;
    let admin: TestUser;
    let member: TestUser;
    let outsider: TestUser;

    beforeAll(async () => {
      project = ok(await ops.projects.create(alice.accessToken, { name: 'Doomed', slug: 'doomed' })).createProject;
      [admin, member, outsider] = await Promise.all([
        registerUser(api.url),
        registerUser(api.url),
        registerUser(api.url),
      ]);
      await assign(project.id, admin.id, 'admin');
      await assign(project.id, member.id, 'developer');
      await createRole(api.url, alice.accessToken, project.id, { name: 'Doomed role', permissions: ['PROJECT_READ'] });
      await grantPermission(api.url, alice.accessToken, {
        projectId: project.id,
        userId: outsider.id,
        permission: 'BUILD_READ',
      });
    });

    const stillThere = async (): Promise<void> => {
      expect((await current(project.id)).name).toBe('Doomed');
      expect(await visibleIds(member)).toContain(project.id);
    };

    it.each([['zzz'], ['123']])('rejects the malformed id %j with BAD_USER_INPUT', async (id) => {
      expect(codeOf(await ops.projects.delete(alice.accessToken, { id }))).toBe('BAD_USER_INPUT');
      await stillThere();
    });

    it('answers NOT_FOUND for a well-formed id no project has', async () => {
      expect(codeOf(await ops.projects.delete(alice.accessToken, { id: unknownId() }))).toBe('NOT_FOUND');
      await stillThere();
    });

    it('refuses everyone but an owner with FORBIDDEN: an admin, a developer, a stranger', async () => {
      const stranger = await registerUser(api.url);
      for (const user of [admin, member, stranger]) {
        const res = await ops.projects.delete(user.accessToken, { id: project.id });
        expect({ user: user.email, code: codeOf(res), data: res.data?.deleteProject ?? null }).toEqual({
          user: user.email,
          code: 'FORBIDDEN',
          data: null,
        });
      }
      await stillThere();
    });

    it('requires a signed-in caller', async () => {
      expect(codeOf(await ops.projects.delete(undefined, { id: project.id }))).toBe('UNAUTHENTICATED');
      await stillThere();
    });

    it('deletes the project with its roles, assignments and grants', async () => {
      const projectId = new Types.ObjectId(project.id);
      expect(await db.collection('role_assignments').countDocuments({ projectId })).toBe(3);
      expect(await db.collection('roles').countDocuments({ projectId })).toBe(1);
      expect(await db.collection('permission_grants').countDocuments({ projectId })).toBe(1);

      expect(ok(await ops.projects.delete(alice.accessToken, { id: project.id })).deleteProject).toBe(true);

      expect(codeOf(await ops.projects.get(alice.accessToken, { id: project.id }))).toBe('NOT_FOUND');
      expect(await visibleIds(member)).not.toContain(project.id);
      expect(await visibleIds(alice)).not.toContain(project.id);
      expect(await db.collection('role_assignments').countDocuments({ projectId })).toBe(0);
      expect(await db.collection('roles').countDocuments({ projectId })).toBe(0);
      expect(await db.collection('permission_grants').countDocuments({ projectId })).toBe(0);
      expect(codeOf(await ops.access.roles(alice.accessToken, { projectId: project.id }))).toBe('NOT_FOUND');
      // A second delete finds nothing, and the slug is free again.
      expect(codeOf(await ops.projects.delete(alice.accessToken, { id: project.id }))).toBe('NOT_FOUND');
      expect(
        ok(await ops.projects.create(alice.accessToken, { name: 'Reborn', slug: 'doomed' })).createProject.slug,
      ).toBe('doomed');
    });
  });

  describe('live events', () => {
    it('reach subscribers whatever case the changed project’s id was written in', async () => {
      const project = ok(await ops.projects.create(alice.accessToken, { name: 'Live' })).createProject;
      const client = modernClient(api.wsUrl, alice.accessToken);
      const received: ProjectEvent[] = [];
      const errors: unknown[] = [];
      const unsubscribe = client.subscribe<{ projectEvents: ProjectEvent }>(
        { query: PROJECT_EVENTS, variables: { projectId: project.id } },
        {
          next: (value) => (value.data ? received.push(value.data.projectEvents) : errors.push(value.errors)),
          error: (error) => errors.push(error),
          complete: () => undefined,
        },
      );
      try {
        // The subscription starts asynchronously: change the project until its first event arrives.
        await waitFor(
          async () => {
            ok(await ops.projects.update(alice.accessToken, { id: project.id, name: 'Warming up' }));
            return received.length > 0;
          },
          5_000,
          'the subscription to start',
        );

        ok(
          await ops.projects.update(alice.accessToken, {
            id: project.id.toUpperCase(),
            name: 'Changed through upper case',
          }),
        );
        await assign(project.id.toUpperCase(), bob.id, 'viewer');

        const late = await waitFor(
          async () => {
            const renamed = received.find((e) => e.payload.name === 'Changed through upper case');
            const assigned = received.find((e) => e.name === 'role.assigned');
            return renamed && assigned ? { renamed, assigned } : undefined;
          },
          3_000,
          'the events of changes made through an upper-case id',
        );
        expect(late.renamed).toMatchObject({ name: 'project.updated', projectId: project.id });
        expect(late.assigned).toMatchObject({ projectId: project.id, payload: { userId: bob.id, roleId: 'viewer' } });
        expect(errors).toEqual([]);
      } finally {
        unsubscribe();
        await client.dispose();
      }
    });
  });

  it('reports every refusal through extensions.code rather than an HTTP error status', async () => {
    const responses: GraphQLResponse<unknown>[] = [
      await ops.projects.get(undefined, { id: unknownId() }),
      await ops.projects.get(alice.accessToken, { id: 'zzz' }),
      await ops.projects.get(alice.accessToken, { id: unknownId() }),
    ];
    expect(responses.map((r) => [r.status, codeOf(r)])).toEqual([
      [200, 'UNAUTHENTICATED'],
      [200, 'BAD_USER_INPUT'],
      [200, 'NOT_FOUND'],
    ]);
  });
});
