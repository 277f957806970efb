import { getConnectionToken, getModelToken } from '@nestjs/mongoose';
import type { Connection, Model } from 'mongoose';
import { Types } from 'mongoose';
import { EffectivePermissionsService } from '../src/access/effective-permissions.service';
import { RoleAssignmentRecord } from '../src/access/role-assignment.schema';
import { assignRole, createApiToken, createProject, registerUser, type TestUser } from './support/factories';
import { codeOf, gql, ok, reasonOf, waitFor } from './support/graphql-client';
import {
  operations,
  subscribeActivity,
  subscribeProjectEvents,
  unchecked,
  type ActivityEntry,
  type Operations,
} from './support/operations';
import { startTestApp, type TestApp } from './support/test-app';
import { firstWhileTriggering, modernClient, type Received } from './support/ws-clients';

/**
 * Members of a project (users holding a role there) and its activity feed. Live streams re-check
 * access only every 300 s here: a removed member's subscription can end in time only because a
 * change of access re-checks the project's open streams at once.
 */

const codeOfStreamError = (error: unknown): unknown =>
  (Array.isArray(error) ? error[0] : error)?.extensions?.code ?? (error as { message?: string })?.message;

/** What an ended stream delivered that the test has not read yet, in order. */
const unread = async <T>(received: Received<T>): Promise<T[]> => {
  const items: T[] = [];
  for (;;) {
    const item = await received.next(1).catch(() => undefined);
    if (!item) return items;
    items.push(item);
  }
};
const ABOUT_REMOVAL = ['member.removed', 'role.removed'];

describe('team members and the activity feed', () => {
  let api: TestApp;
  let sut: Operations;
  let owner: TestUser;

  const db = (): Connection => api.app.get<Connection>(getConnectionToken());
  const member = async (projectId: string, roleId: string): Promise<TestUser> => {
    const user = await registerUser(api.url, { name: `Member ${roleId}` });
    await assignRole(api.url, owner.accessToken, { projectId, userId: user.id, roleId });
    return user;
  };
  const members = async (projectId: string, token = owner.accessToken) =>
    ok(await sut.team.members(token, { projectId, first: 100 })).teamMembers.edges.map((e) => e.node);
  const rolesOf = async (projectId: string, userId: string) =>
    (await members(projectId)).find((m) => m.user.id === userId)?.roles.map((r) => r.id);
  /** The project's feed, oldest first, once `until` holds for it. */
  const feed = async (
    projectId: string,
    until: (entries: ActivityEntry[]) => boolean,
    token = owner.accessToken,
  ): Promise<ActivityEntry[]> =>
    waitFor(
      async () => {
        const page = ok(await sut.team.activity(token, { projectId, first: 100 })).activity;
        const entries = page.edges.map((e) => e.node).reverse();
        return until(entries) && entries;
      },
      10_000,
      'the activity feed',
    );
  const hasEvent = (name: string) => (entries: ActivityEntry[]) => entries.some((e) => e.event === name);
  const setEnvVar = (projectId: string, key: string) =>
    gql<{ setEnvVar: unknown }>(
      api.url,
      'mutation ($input: SetEnvVarInput!) { setEnvVar(input: $input) { key } }',
      { input: { projectId, key, value: 'plain' } },
      owner.accessToken,
    );
  const memberOf = async (projectId: string, userId: string) =>
    (await members(projectId)).find((m) => m.user.id === userId);
  interface Interposed {
    /** Which read of role assignments (by its filter) `meanwhile` follows. */
    matches: (filter: Record<string, unknown>) => boolean;
    meanwhile: () => Promise<unknown>;
  }
  /**
   * Runs each step's `meanwhile` once, in turn, right after the server's next `method` read of
   * role assignments that `matches` and before the server goes on: another request landing between
   * a read and a write. A step is looked for once the one before it has run.
   */
  const interpose = (method: 'find' | 'countDocuments', steps: Interposed[]): jest.SpyInstance => {
    const model = api.app.get<Model<RoleAssignmentRecord>>(getModelToken(RoleAssignmentRecord.name));
    const original = model[method].bind(model) as (...args: unknown[]) => { exec(): Promise<unknown> };
    const pending = [...steps];
    let running = false;
    return jest.spyOn(model, method).mockImplementation(((...args: unknown[]) => {
      const query = original(...args);
      const step = pending[0];
      if (running || !step || !step.matches((args[0] ?? {}) as Record<string, unknown>)) return query;
      running = true;
      const exec = query.exec.bind(query);
      query.exec = async () => {
        try {
          const result = await exec();
          await step.meanwhile();
          return result;
        } finally {
          pending.shift();
          running = false;
        }
      };
      return query;
    }) as never);
  };
  /** A filter on exactly one user's assignments in a project: how a change of all their roles reads them. */
  const allRolesOf =
    (userId: string) =>
    (filter: Record<string, unknown>): boolean =>
      Object.keys(filter).sort().join() === 'projectId,userId' && String(filter.userId) === userId;

  beforeAll(async () => {
    api = await startTestApp({ LIVE_STREAM_RECHECK_SECONDS: '300', ACTIVITY_RETENTION_DAYS: '30' });
    sut = operations(api.url);
    owner = await registerUser(api.url, { name: 'Olive Owner' });
  });

  afterAll(async () => {
    await api?.close();
  });

  describe('teamMembers', () => {
    it('lists each member with their roles, when they joined, who invited them and when last active', async () => {
      const project = await createProject(api.url, owner.accessToken);
      const dev = await member(project.id, 'developer');
      const viewer = await member(project.id, 'viewer');
      await assignRole(api.url, owner.accessToken, { projectId: project.id, userId: viewer.id, roleId: 'developer' });
      // The owner's own steps are in the feed; the viewer has done nothing.
      await feed(project.id, (entries) => entries.filter((e) => e.event === 'role.assigned').length >= 4);

      const listed = await members(project.id);

      expect(listed.map((m) => m.user.id).sort()).toEqual([owner.id, dev.id, viewer.id].sort());
      const of = (id: string) => listed.find((m) => m.user.id === id)!;
      expect(of(owner.id)).toMatchObject({
        projectId: project.id,
        user: { email: owner.email, name: 'Olive Owner' },
        roles: [{ id: 'owner', name: 'Owner' }],
        invitedBy: owner.id,
      });
      expect(of(owner.id).lastActiveAt).not.toBeNull();
      expect(of(dev.id)).toMatchObject({
        user: { email: dev.email },
        roles: [{ id: 'developer' }],
        invitedBy: owner.id,
      });
      expect(
        of(viewer.id)
          .roles.map((r) => r.id)
          .sort(),
      ).toEqual(['developer', 'viewer']);
      expect(of(viewer.id).lastActiveAt).toBeNull();
      expect(Date.parse(of(dev.id).joinedAt)).toBeGreaterThanOrEqual(Date.parse(of(owner.id).joinedAt));
      // A viewer may see the members too (member:read).
      expect((await members(project.id, viewer.accessToken)).length).toBe(3);
    });

    it('pages through members without repeating one', async () => {
      const project = await createProject(api.url, owner.accessToken);
      for (const role of ['viewer', 'viewer', 'developer', 'admin']) await member(project.id, role);

      const first = ok(await sut.team.members(owner.accessToken, { projectId: project.id, first: 2 })).teamMembers;
      const second = ok(
        await sut.team.members(owner.accessToken, { projectId: project.id, first: 2, after: first.pageInfo.endCursor }),
      ).teamMembers;
      const third = ok(
        await sut.team.members(owner.accessToken, {
          projectId: project.id,
          first: 2,
          after: second.pageInfo.endCursor,
        }),
      ).teamMembers;

      expect(first.totalCount).toBe(5);
      expect([first.pageInfo.hasNextPage, second.pageInfo.hasNextPage, third.pageInfo.hasNextPage]).toEqual([
        true,
        true,
        false,
      ]);
      const ids = [...first.edges, ...second.edges, ...third.edges].map((e) => e.node.user.id);
      expect(ids).toHaveLength(5);
      expect(new Set(ids).size).toBe(5);
    });
  });

  describe('updateMemberRole', () => {
    it('replaces a member’s roles by one and announces member.role_changed', async () => {
      const project = await createProject(api.url, owner.accessToken);
      const user = await member(project.id, 'viewer');
      await assignRole(api.url, owner.accessToken, { projectId: project.id, userId: user.id, roleId: 'developer' });

      const updated = ok(
        await sut.team.updateMemberRole(owner.accessToken, { projectId: project.id, userId: user.id, roleId: 'admin' }),
      ).updateMemberRole;

      expect(updated.roles.map((r) => r.id)).toEqual(['admin']);
      expect(await rolesOf(project.id, user.id)).toEqual(['admin']);
      const entries = await feed(project.id, hasEvent('member.role_changed'));
      expect(entries.find((e) => e.event === 'member.role_changed')).toMatchObject({
        actorId: owner.id,
        verb: 'role_changed',
        object: { type: 'member', id: user.id, name: user.email },
        payload: { roleId: 'admin' },
      });
      expect(entries.find((e) => e.event === 'member.role_changed')!.payload.previousRoleIds.sort()).toEqual([
        'developer',
        'viewer',
      ]);
    });

    it('keeps when the member joined and who invited them', async () => {
      const project = await createProject(api.url, owner.accessToken);
      const admin = await member(project.id, 'admin');
      const user = await member(project.id, 'viewer');
      const before = await memberOf(project.id, user.id);
      expect(before).toMatchObject({ invitedBy: owner.id });

      ok(
        await sut.team.updateMemberRole(admin.accessToken, {
          projectId: project.id,
          userId: user.id,
          roleId: 'developer',
        }),
      );

      const after = await memberOf(project.id, user.id);
      expect(after?.roles.map((r) => r.id)).toEqual(['developer']);
      expect({ joinedAt: after?.joinedAt, invitedBy: after?.invitedBy }).toEqual({
        joinedAt: before!.joinedAt,
        invitedBy: owner.id,
      });
    });

    it('takes a role given while the roles are being replaced too', async () => {
      const project = await createProject(api.url, owner.accessToken);
      const user = await member(project.id, 'viewer');
      const given = interpose('find', [
        {
          matches: allRolesOf(user.id),
          meanwhile: () =>
            assignRole(api.url, owner.accessToken, { projectId: project.id, userId: user.id, roleId: 'developer' }),
        },
      ]);
      try {
        ok(
          await sut.team.updateMemberRole(owner.accessToken, {
            projectId: project.id,
            userId: user.id,
            roleId: 'admin',
          }),
        );
      } finally {
        given.mockRestore();
      }

      expect(await rolesOf(project.id, user.id)).toEqual(['admin']);
    });

    it('gives no role holding more than the caller holds, and takes none either', async () => {
      const project = await createProject(api.url, owner.accessToken);
      const admin = await member(project.id, 'admin');
      const user = await member(project.id, 'viewer');

      const escalate = await sut.team.updateMemberRole(admin.accessToken, {
        projectId: project.id,
        userId: user.id,
        roleId: 'owner',
      });
      const demoteOwner = await sut.team.updateMemberRole(admin.accessToken, {
        projectId: project.id,
        userId: owner.id,
        roleId: 'viewer',
      });

      expect([codeOf(escalate), reasonOf(escalate)]).toEqual(['FORBIDDEN', 'PERMISSION_DENIED']);
      expect([codeOf(demoteOwner), reasonOf(demoteOwner)]).toEqual(['FORBIDDEN', 'PERMISSION_DENIED']);
      expect(await rolesOf(project.id, user.id)).toEqual(['viewer']);
      expect(await rolesOf(project.id, owner.id)).toEqual(['owner']);
      // Within what the admin holds, it works.
      ok(
        await sut.team.updateMemberRole(admin.accessToken, {
          projectId: project.id,
          userId: user.id,
          roleId: 'developer',
        }),
      );
    });

    it('never demotes the last lasting owner', async () => {
      const project = await createProject(api.url, owner.accessToken);

      const res = await sut.team.updateMemberRole(owner.accessToken, {
        projectId: project.id,
        userId: owner.id,
        roleId: 'admin',
      });

      expect([codeOf(res), reasonOf(res)]).toEqual(['CONFLICT', 'LAST_OWNER']);
      expect(await rolesOf(project.id, owner.id)).toEqual(['owner']);
    });
  });

  describe('removeMember and leaveProject', () => {
    it('removes a member with their direct grants, and refuses an unknown one', async () => {
      const project = await createProject(api.url, owner.accessToken);
      const user = await member(project.id, 'developer');
      ok(
        await sut.access.grantPermission(owner.accessToken, {
          projectId: project.id,
          userId: user.id,
          permission: 'AUDIT_READ',
        }),
      );

      const removed = ok(await sut.team.removeMember(owner.accessToken, { projectId: project.id, userId: user.id }));

      expect(removed.removeMember).toEqual({ projectId: project.id, userId: user.id, roleIds: ['developer'] });
      expect((await members(project.id)).map((m) => m.user.id)).toEqual([owner.id]);
      const check = ok(
        await sut.access.checkPermission(owner.accessToken, {
          projectId: project.id,
          permission: 'AUDIT_READ',
          userId: user.id,
        }),
      );
      expect(check.checkPermission.allowed).toBe(false);
      const again = await sut.team.removeMember(owner.accessToken, { projectId: project.id, userId: user.id });
      expect([codeOf(again), reasonOf(again)]).toEqual(['NOT_FOUND', 'MEMBER_NOT_FOUND']);
    });

    it('takes a role given while the member is being removed too', async () => {
      const project = await createProject(api.url, owner.accessToken);
      const user = await member(project.id, 'developer');
      const given = interpose('find', [
        {
          matches: allRolesOf(user.id),
          meanwhile: () =>
            assignRole(api.url, owner.accessToken, { projectId: project.id, userId: user.id, roleId: 'viewer' }),
        },
      ]);
      let removed;
      try {
        removed = ok(await sut.team.removeMember(owner.accessToken, { projectId: project.id, userId: user.id }));
      } finally {
        given.mockRestore();
      }

      expect(removed.removeMember.roleIds.sort()).toEqual(['developer', 'viewer']);
      expect(await rolesOf(project.id, user.id)).toBeUndefined();
      expect(codeOf(await sut.projects.get(user.accessToken, { id: project.id }))).toBe('FORBIDDEN');
    });

    it('puts back, with its access, an owner removed while removing the other owner', async () => {
      const project = await createProject(api.url, owner.accessToken);
      const second = await member(project.id, 'owner');
      let seenWhileGone: unknown;
      const isOwnerCount = (filter: Record<string, unknown>): boolean => filter.roleId === 'owner';
      const crossing = interpose('countDocuments', [
        {
          // Once the first owner has seen that another owner remains, the second owner removes the
          // first: both pass that check, and the later removal must be rolled back.
          matches: (filter) => isOwnerCount(filter) && 'userId' in filter,
          meanwhile: async () =>
            ok(await sut.team.removeMember(second.accessToken, { projectId: project.id, userId: owner.id })),
        },
        {
          // While the second owner's rows are gone, their access is read (and cached) as none.
          matches: (filter) => isOwnerCount(filter) && !('userId' in filter),
          meanwhile: async () =>
            (seenWhileGone = codeOf(await sut.projects.get(second.accessToken, { id: project.id }))),
        },
      ]);
      let res;
      try {
        res = await sut.team.removeMember(owner.accessToken, { projectId: project.id, userId: second.id });
      } finally {
        crossing.mockRestore();
      }

      expect([codeOf(res), reasonOf(res)]).toEqual(['CONFLICT', 'LAST_OWNER']);
      expect(seenWhileGone).toBe('FORBIDDEN');
      ok(await sut.projects.get(second.accessToken, { id: project.id }));
      const left = await members(project.id, second.accessToken);
      expect(left.map((m) => [m.user.id, m.roles.map((r) => r.id)])).toEqual([[second.id, ['owner']]]);
    });

    it('keeps the last lasting owner: neither removed nor leaving', async () => {
      const project = await createProject(api.url, owner.accessToken);
      const admin = await member(project.id, 'admin');

      const removeSelf = await sut.team.removeMember(owner.accessToken, { projectId: project.id, userId: owner.id });
      const leave = await sut.team.leaveProject(owner.accessToken, { projectId: project.id });
      // An admin holds less than an owner, so cannot take the Owner role away either.
      const byAdmin = await sut.team.removeMember(admin.accessToken, { projectId: project.id, userId: owner.id });

      expect([codeOf(removeSelf), reasonOf(removeSelf)]).toEqual(['CONFLICT', 'LAST_OWNER']);
      expect([codeOf(leave), reasonOf(leave)]).toEqual(['CONFLICT', 'LAST_OWNER']);
      expect([codeOf(byAdmin), reasonOf(byAdmin)]).toEqual(['FORBIDDEN', 'PERMISSION_DENIED']);
      expect(await rolesOf(project.id, owner.id)).toEqual(['owner']);
    });

    it('lets a member leave, after which their requests are refused; an API token cannot leave for them', async () => {
      const project = await createProject(api.url, owner.accessToken);
      const user = await member(project.id, 'viewer');
      const { secret } = await createApiToken(api.url, user.accessToken, { scopes: ['project:read', 'member:read'] });

      const byToken = await sut.team.leaveProject(secret, { projectId: project.id });
      expect([codeOf(byToken), reasonOf(byToken)]).toEqual(['FORBIDDEN', 'USER_SIGN_IN_REQUIRED']);

      const left = ok(await sut.team.leaveProject(user.accessToken, { projectId: project.id })).leaveProject;

      expect(left).toEqual({ projectId: project.id, userId: user.id, roleIds: ['viewer'] });
      expect(codeOf(await sut.projects.get(user.accessToken, { id: project.id }))).toBe('FORBIDDEN');
      expect(codeOf(await sut.projects.get(secret, { id: project.id }))).toBe('FORBIDDEN');
      const entries = await feed(project.id, hasEvent('member.removed'));
      expect(entries.find((e) => e.event === 'member.removed')).toMatchObject({
        actorId: user.id,
        verb: 'removed',
        object: { type: 'member', id: user.id },
        payload: { reason: 'left' },
      });
      const again = await sut.team.leaveProject(user.accessToken, { projectId: project.id });
      expect([codeOf(again), reasonOf(again)]).toEqual(['NOT_FOUND', 'MEMBER_NOT_FOUND']);
    });
  });

  describe('transferOwnership', () => {
    it('makes the member the owner and the caller an admin', async () => {
      const project = await createProject(api.url, owner.accessToken);
      const heir = await member(project.id, 'developer');

      const result = ok(
        await sut.team.transferOwnership(owner.accessToken, { projectId: project.id, userId: heir.id }),
      ).transferOwnership;

      expect(result.roles.map((r) => r.id)).toEqual(['owner']);
      expect(await rolesOf(project.id, heir.id)).toEqual(['owner']);
      expect(await rolesOf(project.id, owner.id)).toEqual(['admin']);
      const entries = await feed(
        project.id,
        (all) => all.filter((e) => e.event === 'member.role_changed').length === 2,
      );
      expect(
        entries.filter((e) => e.event === 'member.role_changed').map((e) => [e.object.id, e.payload.roleId]),
      ).toEqual([
        [heir.id, 'owner'],
        [owner.id, 'admin'],
      ]);
      // The former owner may no longer hand it over, nor delete it.
      const back = await sut.team.transferOwnership(owner.accessToken, { projectId: project.id, userId: heir.id });
      expect(codeOf(back)).toBe('FORBIDDEN');
      ok(await sut.team.transferOwnership(heir.accessToken, { projectId: project.id, userId: owner.id }));
      expect(await rolesOf(project.id, owner.id)).toEqual(['owner']);
    });

    it('refuses a non-member, oneself, an owner whose access ends and an API token', async () => {
      const project = await createProject(api.url, owner.accessToken);
      const outsider = await registerUser(api.url);
      const temporary = await member(project.id, 'viewer');
      await assignRole(api.url, owner.accessToken, {
        projectId: project.id,
        userId: temporary.id,
        roleId: 'owner',
        expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      });
      const { secret } = await createApiToken(api.url, owner.accessToken, { scopes: ['project:*', 'member:*'] });

      const toOutsider = await sut.team.transferOwnership(owner.accessToken, {
        projectId: project.id,
        userId: outsider.id,
      });
      const toSelf = await sut.team.transferOwnership(owner.accessToken, { projectId: project.id, userId: owner.id });
      const byTemporary = await sut.team.transferOwnership(temporary.accessToken, {
        projectId: project.id,
        userId: temporary.id === owner.id ? outsider.id : owner.id,
      });
      const byToken = await sut.team.transferOwnership(secret, { projectId: project.id, userId: temporary.id });

      expect([codeOf(toOutsider), reasonOf(toOutsider)]).toEqual(['NOT_FOUND', 'MEMBER_NOT_FOUND']);
      expect([codeOf(toSelf), reasonOf(toSelf)]).toEqual(['BAD_USER_INPUT', 'TRANSFER_TO_SELF']);
      expect([codeOf(byTemporary), reasonOf(byTemporary)]).toEqual(['FORBIDDEN', 'NOT_PERMANENT_OWNER']);
      expect([codeOf(byToken), reasonOf(byToken)]).toEqual(['FORBIDDEN', 'USER_SIGN_IN_REQUIRED']);
      expect(await rolesOf(project.id, owner.id)).toEqual(['owner']);
    });
  });

  describe('a removed member’s access ends at once', () => {
    it('refuses their next request and ends their open subscriptions without waiting for the re-check interval', async () => {
      const project = await createProject(api.url, owner.accessToken);
      const user = await member(project.id, 'viewer');
      const client = modernClient(api.wsUrl, user.accessToken, { lazy: false });
      const events = subscribeProjectEvents(client, { projectId: project.id });
      const activity = subscribeActivity(client, { projectId: project.id });
      const rename = (n: number) => sut.projects.update(owner.accessToken, { id: project.id, name: `Seen ${n}` });
      let slowed: jest.SpyInstance | undefined;
      try {
        expect(await firstWhileTriggering(events, rename)).toBeDefined();
        expect(await firstWhileTriggering(activity, rename)).toBeDefined();
        ok(await sut.projects.get(user.accessToken, { id: project.id }));
        // From here the member's access is read slowly, as on a loaded server: the removal's own
        // events reach their streams while the re-check is still under way.
        const permissions = api.app.get(EffectivePermissionsService);
        const forCaller = permissions.forCaller.bind(permissions);
        slowed = jest.spyOn(permissions, 'forCaller').mockImplementation(async (ctx, projectId) => {
          if (ctx.user?.id === user.id) await new Promise((resolve) => setTimeout(resolve, 500));
          return forCaller(ctx, projectId);
        });

        ok(await sut.team.removeMember(owner.accessToken, { projectId: project.id, userId: user.id }));

        expect(codeOf(await sut.projects.get(user.accessToken, { id: project.id }))).toBe('FORBIDDEN');
        // LIVE_STREAM_RECHECK_SECONDS is 300: only the re-check on the change of access can end them now.
        expect(codeOfStreamError(await events.error(5_000))).toBe('FORBIDDEN');
        expect(codeOfStreamError(await activity.error(5_000))).toBe('FORBIDDEN');
        // The removal's own events come right behind the change of access: the removed member,
        // whose streams were being re-checked, is not told of them.
        const seen = (await unread(events)).map((e) => e.projectEvents.name);
        expect(seen.filter((name) => ABOUT_REMOVAL.includes(name))).toEqual([]);
        const logged = (await unread(activity)).map((e) => e.activityAdded.event);
        expect(logged.filter((name) => ABOUT_REMOVAL.includes(name))).toEqual([]);
      } finally {
        slowed?.mockRestore();
        events.close();
        activity.close();
        await client.dispose();
      }
    });
  });

  describe('activity', () => {
    it('shows each step of a project in order, with actor, verb and object', async () => {
      const project = await createProject(api.url, owner.accessToken, 'Feed Project');
      const user = await member(project.id, 'developer');
      ok(await sut.settings.updateDeployment(owner.accessToken, { projectId: project.id, previewDeployments: false }));
      ok(await sut.team.removeMember(owner.accessToken, { projectId: project.id, userId: user.id }));

      const entries = await feed(project.id, hasEvent('member.removed'));

      expect(entries.map((e) => e.event)).toEqual([
        'role.assigned',
        'project.created',
        'role.assigned',
        'settings.updated',
        'role.removed',
        'member.removed',
      ]);
      for (const entry of entries) {
        expect(entry).toMatchObject({ projectId: project.id, actorId: owner.id, actorEmail: owner.email });
      }
      expect(entries[1]).toMatchObject({
        verb: 'created',
        actorName: 'Olive Owner',
        object: { type: 'project', id: project.id, name: 'Feed Project' },
      });
      expect(entries[2]).toMatchObject({ verb: 'assigned', object: { type: 'role', id: 'developer' } });
      expect(entries[2]!.payload.userId).toBe(user.id);
      expect(entries[3]).toMatchObject({ verb: 'updated', object: { type: 'settings', id: 'deployment' } });
      expect(entries[5]).toMatchObject({
        verb: 'removed',
        object: { type: 'member', id: user.id, name: user.email },
        payload: { reason: 'removed', roleIds: ['developer'] },
      });
      const times = entries.map((e) => Date.parse(e.occurredAt));
      expect([...times].sort((a, b) => a - b)).toEqual(times);
    });

    it('filters by type, verb, actor and time, and pages newest first', async () => {
      const project = await createProject(api.url, owner.accessToken);
      const admin = await member(project.id, 'admin');
      const start = new Date().toISOString();
      for (let n = 0; n < 3; n += 1) {
        ok(await sut.projects.update(admin.accessToken, { id: project.id, name: `By admin ${n}` }));
      }
      const all = await feed(
        project.id,
        (entries) => entries.filter((e) => e.event === 'project.updated').length === 3,
      );
      const list = async (filter: Record<string, unknown>, first = 100) =>
        ok(await sut.team.activity(owner.accessToken, { projectId: project.id, filter, first })).activity;

      expect((await list({ types: ['project'] })).edges.map((e) => e.node.event)).toEqual([
        'project.updated',
        'project.updated',
        'project.updated',
        'project.created',
      ]);
      expect((await list({ verbs: ['assigned'] })).totalCount).toBe(2);
      const byAdmin = await list({ actorId: admin.id.toUpperCase() });
      expect(byAdmin.edges.map((e) => e.node.object.name)).toEqual(['By admin 2', 'By admin 1', 'By admin 0']);
      expect((await list({ types: ['project'], verbs: ['updated'], from: start })).totalCount).toBe(3);
      expect((await list({ to: start })).edges.every((e) => e.node.event !== 'project.updated')).toBe(true);
      expect((await list({ types: ['nothing_like_this'] })).edges).toEqual([]);

      const first = ok(await sut.team.activity(owner.accessToken, { projectId: project.id, first: 2 })).activity;
      const rest = ok(
        await sut.team.activity(owner.accessToken, {
          projectId: project.id,
          first: 100,
          after: first.pageInfo.endCursor,
        }),
      ).activity;
      expect(first.pageInfo.hasNextPage).toBe(true);
      expect([...first.edges, ...rest.edges].map((e) => e.node.id)).toEqual([...all].reverse().map((e) => e.id));
    });

    it('streams each new entry live, in order, through activityAdded', async () => {
      const project = await createProject(api.url, owner.accessToken);
      const client = modernClient(api.wsUrl, owner.accessToken, { lazy: false });
      const added = subscribeActivity(client, { projectId: project.id });
      try {
        const warm = await firstWhileTriggering(added, (n) =>
          sut.projects.update(owner.accessToken, { id: project.id, name: `Warm ${n}` }),
        );
        expect(warm?.activityAdded).toMatchObject({ projectId: project.id, event: 'project.updated' });
        // Entries of the warm-up still on their way are skipped.
        for (;;) {
          const item = await added.next(1_000).catch(() => undefined);
          if (!item) break;
        }

        const user = await member(project.id, 'viewer');
        for (let n = 0; n < 5; n += 1) {
          ok(await sut.projects.update(owner.accessToken, { id: project.id, name: `Live ${n}` }));
        }
        ok(await sut.team.removeMember(owner.accessToken, { projectId: project.id, userId: user.id }));

        const seen: string[] = [];
        while (seen.length < 8) {
          const { activityAdded } = await added.next(10_000);
          expect(activityAdded.actorId).toBe(owner.id);
          seen.push(`${activityAdded.event}:${activityAdded.object.name ?? activityAdded.object.id}`);
        }
        expect(seen).toEqual([
          'role.assigned:viewer',
          'project.updated:Live 0',
          'project.updated:Live 1',
          'project.updated:Live 2',
          'project.updated:Live 3',
          'project.updated:Live 4',
          'role.removed:viewer',
          `member.removed:${user.email}`,
        ]);
      } finally {
        added.close();
        await client.dispose();
      }
    });

    it('lists to each caller only the entries whose family they may read', async () => {
      const project = await createProject(api.url, owner.accessToken);
      // A viewer lacks env:read and role:read, but holds member:read.
      const viewer = await member(project.id, 'viewer');
      ok(
        await sut.team.updateMemberRole(owner.accessToken, {
          projectId: project.id,
          userId: viewer.id,
          roleId: 'viewer',
        }),
      );
      ok(await setEnvVar(project.id, 'FEED_KEY'));
      ok(await sut.projects.update(owner.accessToken, { id: project.id, name: 'Seen by all' }));
      const ownerSees = await feed(project.id, hasEvent('project.updated'));
      const types = (entries: ActivityEntry[]) => [...new Set(entries.map((e) => e.object.type))].sort();
      expect(types(ownerSees)).toEqual(['env', 'member', 'project', 'role']);

      const viewerSees = ok(
        await sut.team.activity(viewer.accessToken, { projectId: project.id, first: 100 }),
      ).activity;

      expect(types(viewerSees.edges.map((e) => e.node))).toEqual(['member', 'project']);
      expect(viewerSees.edges.map((e) => e.node.event)).toContain('project.updated');
      expect(viewerSees.totalCount).toBe(viewerSees.edges.length);
      const asked = ok(
        await sut.team.activity(viewer.accessToken, {
          projectId: project.id,
          filter: { types: ['env', 'role', 'project'] },
        }),
      ).activity;
      expect(types(asked.edges.map((e) => e.node))).toEqual(['project']);
    });

    it('streams to each subscriber only the entries and project events whose family they may read', async () => {
      const project = await createProject(api.url, owner.accessToken);
      const viewer = await member(project.id, 'viewer');
      const client = modernClient(api.wsUrl, viewer.accessToken, { lazy: false });
      const added = subscribeActivity(client, { projectId: project.id });
      const events = subscribeProjectEvents(client, { projectId: project.id });
      try {
        const warm = await firstWhileTriggering(added, (n) =>
          sut.projects.update(owner.accessToken, { id: project.id, name: `Warm ${n}` }),
        );
        expect(warm).toBeDefined();
        expect(
          await firstWhileTriggering(events, (n) =>
            sut.projects.update(owner.accessToken, { id: project.id, name: `Warm events ${n}` }),
          ),
        ).toBeDefined();

        ok(await setEnvVar(project.id, 'LIVE_KEY'));
        await assignRole(api.url, owner.accessToken, { projectId: project.id, userId: viewer.id, roleId: 'developer' });
        ok(
          await sut.team.updateMemberRole(owner.accessToken, {
            projectId: project.id,
            userId: viewer.id,
            roleId: 'viewer',
          }),
        );
        ok(await sut.projects.update(owner.accessToken, { id: project.id, name: 'Last' }));

        // The feed is written in order: whatever the viewer was sent went before the last rename.
        const seen: string[] = [];
        for (;;) {
          const { activityAdded } = await added.next(10_000);
          seen.push(activityAdded.event);
          if (activityAdded.object.name === 'Last') break;
        }
        expect(seen.filter((event) => !event.startsWith('project.'))).toEqual(['member.role_changed']);
        // The project's event stream holds the viewer to the same rule.
        const streamed: string[] = [];
        for (;;) {
          const { projectEvents } = await events.next(10_000);
          streamed.push(projectEvents.name);
          if (projectEvents.name === 'project.updated' && projectEvents.payload.name === 'Last') break;
        }
        expect(streamed.filter((event) => !event.startsWith('project.'))).toEqual(['member.role_changed']);
        const ownerSees = await feed(project.id, hasEvent('member.role_changed'));
        expect(ownerSees.map((e) => e.event)).toEqual(
          expect.arrayContaining(['env.updated', 'role.assigned', 'role.removed']),
        );
      } finally {
        added.close();
        events.close();
        await client.dispose();
      }
    });

    it('keeps entries for ACTIVITY_RETENTION_DAYS, then MongoDB removes them', async () => {
      const project = await createProject(api.url, owner.accessToken);
      const [entry] = await feed(project.id, hasEvent('project.created'));
      const collection = db().collection('activity_entries');

      const stored = (await collection.findOne({ _id: new Types.ObjectId(entry!.id) }))!;

      expect(stored.expiresAt.getTime()).toBe(stored.occurredAt.getTime() + 30 * 86_400_000);
      expect(await collection.indexes()).toContainEqual(
        expect.objectContaining({ key: { expiresAt: 1 }, expireAfterSeconds: 0 }),
      );
      // Past its time, an entry is hidden even before MongoDB removes it.
      await collection.updateOne({ _id: stored._id }, { $set: { expiresAt: new Date(Date.now() - 1_000) } });
      const after = ok(await sut.team.activity(owner.accessToken, { projectId: project.id })).activity;
      expect(after.edges.map((e) => e.node.id)).not.toContain(entry!.id);
    });

    it('has the entry stored by the time the change answers, with no waiting', async () => {
      const project = await createProject(api.url, owner.accessToken);
      const collection = db().collection('activity_entries');
      const projectId = new Types.ObjectId(project.id);

      for (let n = 0; n < 5; n += 1) {
        ok(await sut.projects.update(owner.accessToken, { id: project.id, name: `Stored ${n}` }));
        expect(
          await collection.countDocuments({ projectId, event: 'project.updated', objectName: `Stored ${n}` }),
        ).toBe(1);
      }
      ok(await sut.projects.delete(owner.accessToken, { id: project.id }));
      expect(await collection.countDocuments({ projectId })).toBe(0);
    });

    it('forgets a deleted project’s feed', async () => {
      const project = await createProject(api.url, owner.accessToken);
      await feed(project.id, hasEvent('project.created'));

      ok(await sut.projects.delete(owner.accessToken, { id: project.id }));

      await waitFor(
        async () =>
          (await db()
            .collection('activity_entries')
            .countDocuments({ projectId: new Types.ObjectId(project.id) })) === 0,
        10_000,
        'the feed to be gone',
      );
    });
  });

  describe('refusals and bad input', () => {
    let project: { id: string };
    let viewer: TestUser;
    let outsider: TestUser;
    let developer: TestUser;

    beforeAll(async () => {
      project = await createProject(api.url, owner.accessToken);
      viewer = await member(project.id, 'viewer');
      developer = await member(project.id, 'developer');
      outsider = await registerUser(api.url);
    });

    const unchanged = async () =>
      expect((await members(project.id)).map((m) => [m.user.id, m.roles.map((r) => r.id)]).sort()).toEqual(
        [
          [owner.id, ['owner']],
          [viewer.id, ['viewer']],
          [developer.id, ['developer']],
        ].sort(),
      );

    it('refuses callers without the permission', async () => {
      const refusals = [
        await sut.team.members(outsider.accessToken, { projectId: project.id }),
        await sut.team.activity(outsider.accessToken, { projectId: project.id }),
        await sut.team.updateMemberRole(developer.accessToken, {
          projectId: project.id,
          userId: viewer.id,
          roleId: 'developer',
        }),
        await sut.team.removeMember(viewer.accessToken, { projectId: project.id, userId: developer.id }),
        await sut.team.transferOwnership(developer.accessToken, { projectId: project.id, userId: viewer.id }),
      ];
      expect(refusals.map(codeOf)).toEqual(['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN']);
      const anonymous = await sut.team.members(undefined, { projectId: project.id });
      expect(codeOf(anonymous)).toBe('UNAUTHENTICATED');
      const outsiderLeaves = await sut.team.leaveProject(outsider.accessToken, { projectId: project.id });
      expect(codeOf(outsiderLeaves)).toBe('NOT_FOUND');
      await unchanged();

      const client = modernClient(api.wsUrl, outsider.accessToken);
      const stream = subscribeActivity(client, { projectId: project.id });
      try {
        expect(codeOfStreamError(await stream.error(5_000))).toBe('FORBIDDEN');
      } finally {
        stream.close();
        await client.dispose();
      }
    });

    it.each([
      ['teamMembers: a malformed project id', () => sut.team.members(owner.accessToken, { projectId: 'nope' })],
      ['teamMembers: first 0', () => sut.team.members(owner.accessToken, { projectId: project.id, first: 0 })],
      ['teamMembers: first 101', () => sut.team.members(owner.accessToken, { projectId: project.id, first: 101 })],
      [
        'teamMembers: a cursor it did not issue',
        () => sut.team.members(owner.accessToken, { projectId: project.id, after: 'bogus' }),
      ],
      [
        'updateMemberRole: an unknown built-in role',
        () =>
          sut.team.updateMemberRole(owner.accessToken, {
            projectId: project.id,
            userId: viewer.id,
            roleId: 'superuser',
          }),
      ],
      [
        'updateMemberRole: a malformed user id',
        () => sut.team.updateMemberRole(owner.accessToken, { projectId: project.id, userId: '123', roleId: 'admin' }),
      ],
      [
        'updateMemberRole: a missing role',
        () => sut.team.updateMemberRole(owner.accessToken, unchecked({ projectId: project.id, userId: viewer.id })),
      ],
      [
        'removeMember: a malformed user id',
        () => sut.team.removeMember(owner.accessToken, { projectId: project.id, userId: 'x' }),
      ],
      [
        'removeMember: an unknown field',
        () => sut.team.removeMember(owner.accessToken, unchecked({ projectId: project.id, userId: viewer.id, all: 1 })),
      ],
      ['leaveProject: a malformed project id', () => sut.team.leaveProject(viewer.accessToken, { projectId: '1' })],
      [
        'transferOwnership: a malformed user id',
        () => sut.team.transferOwnership(owner.accessToken, { projectId: project.id, userId: 'zzz' }),
      ],
      [
        'activity: a malformed type',
        () => sut.team.activity(owner.accessToken, { projectId: project.id, filter: { types: ['Build!'] } }),
      ],
      [
        'activity: too many verbs',
        () =>
          sut.team.activity(owner.accessToken, {
            projectId: project.id,
            filter: { verbs: Array.from({ length: 21 }, (_, n) => `v${n}`) },
          }),
      ],
      [
        'activity: a malformed actor',
        () => sut.team.activity(owner.accessToken, { projectId: project.id, filter: { actorId: 'someone' } }),
      ],
      [
        'activity: a time that is not one',
        () => sut.team.activity(owner.accessToken, { projectId: project.id, filter: { from: 'yesterday' } }),
      ],
      [
        'activity: from after to',
        () =>
          sut.team.activity(owner.accessToken, {
            projectId: project.id,
            filter: { from: new Date().toISOString(), to: new Date(Date.now() - 60_000).toISOString() },
          }),
      ],
    ])('refuses %s with BAD_USER_INPUT and changes nothing', async (_label, send) => {
      const res = await send();
      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      await unchanged();
    });

    it('updateMemberRole refuses a custom role of another project', async () => {
      const other = await createProject(api.url, owner.accessToken);
      const role = ok(
        await sut.access.createRole(owner.accessToken, { projectId: other.id, name: 'Elsewhere', permissions: [] }),
      ).createRole;
      const res = await sut.team.updateMemberRole(owner.accessToken, {
        projectId: project.id,
        userId: viewer.id,
        roleId: role.id,
      });
      expect([codeOf(res), reasonOf(res)]).toEqual(['NOT_FOUND', 'ROLE_NOT_FOUND']);
      await unchanged();
    });
  });

  describe('audit', () => {
    it('records every member mutation with its project, granted or refused', async () => {
      const project = await createProject(api.url, owner.accessToken);
      const user = await member(project.id, 'viewer');
      const leaver = await member(project.id, 'viewer');
      ok(
        await sut.team.updateMemberRole(owner.accessToken, {
          projectId: project.id,
          userId: user.id,
          roleId: 'developer',
        }),
      );
      await sut.team.removeMember(user.accessToken, { projectId: project.id, userId: owner.id });
      ok(await sut.team.removeMember(owner.accessToken, { projectId: project.id, userId: user.id }));
      ok(await sut.team.leaveProject(leaver.accessToken, { projectId: project.id }));

      const logs = await waitFor(
        async () => {
          const edges = ok(await sut.audit.logs(owner.accessToken, { projectId: project.id, first: 100 })).auditLogs
            .edges;
          const ops = edges.map((e) => e.node);
          return ops.filter((o) => o.operation === 'mutation.leaveProject').length === 1 && ops;
        },
        10_000,
        'the audit entries',
      );
      const find = (operation: string, actorId: string) =>
        logs.find((l) => l.operation === operation && l.actorId === actorId);
      expect(find('mutation.updateMemberRole', owner.id)).toMatchObject({ outcome: 'GRANTED' });
      expect(find('mutation.updateMemberRole', owner.id)!.arguments).toMatchObject({
        input: { projectId: project.id, userId: user.id, roleId: 'developer' },
      });
      expect(find('mutation.removeMember', user.id)).toMatchObject({ outcome: 'DENIED', errorCode: 'FORBIDDEN' });
      expect(find('mutation.removeMember', owner.id)).toMatchObject({ outcome: 'GRANTED' });
      expect(find('mutation.leaveProject', leaver.id)).toMatchObject({ outcome: 'GRANTED', projectId: project.id });
    });
  });
});
