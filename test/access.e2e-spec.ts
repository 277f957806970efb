import mongoose, { Types } from 'mongoose';
import { PERMISSIONS } from '../src/access/permissions';
import { permissionEnumKey } from '../src/access/permission.enum';
import { codeOf, ok, reasonOf, waitFor, type GraphQLResponse } from './support/graphql-client';
import { assignRole, createProject, createRole, registerUser, type TestUser } from './support/factories';
import {
  operations,
  unchecked,
  type AssignRoleInput,
  type Operations,
  type Role,
  type RoleAssignment,
} from './support/operations';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * RBAC over real HTTP: custom roles, assignments, direct grants and checks; who may hand out what;
 * expiry; and for every operation, what malformed ids, unknown ids, the wrong project and a missing
 * token get back. Refused mutations are followed by a look at the project's access state.
 */

const unknownId = (): string => new Types.ObjectId().toHexString();
const inSeconds = (seconds: number): string => new Date(Date.now() + seconds * 1000).toISOString();

describe('roles, assignments and grants, end to end', () => {
  let api: TestApp;
  let ops: Operations;
  let db: mongoose.Connection;
  let owner: TestUser;
  let project: { id: string };

  const rolesOf = async (projectId: string, token = owner.accessToken): Promise<Role[]> =>
    ok(await ops.access.roles(token, { projectId })).roles;
  const countOf = async (projectId: string, roleId: string): Promise<number | undefined> =>
    (await rolesOf(projectId)).find((r) => r.id === roleId)?.userCount;
  const customRole = (projectId: string, name: string, permissions: string[], token = owner.accessToken) =>
    createRole(api.url, token, projectId, { name, permissions });
  const assign = (projectId: string, userId: string, roleId: string, extra: Partial<AssignRoleInput> = {}) =>
    assignRole(api.url, owner.accessToken, { projectId, userId, roleId, ...extra });
  const allowed = async (projectId: string, userId: string, permission: string): Promise<boolean> =>
    ok(await ops.access.checkPermission(owner.accessToken, { projectId, permission, userId })).checkPermission.allowed;
  const assignmentsOf = async (projectId: string, userId?: string): Promise<RoleAssignment[]> =>
    ok(await ops.access.userRoles(owner.accessToken, { projectId, userId, first: 100 })).userRoles.edges.map(
      (e) => e.node,
    );
  const rename = (projectId: string, name: string, token: string) =>
    ops.projects.update(token, { id: projectId, name });

  /** Everything about a project's access that a refused mutation must leave as it was. */
  const accessState = async (projectId: string) => {
    const pid = new Types.ObjectId(projectId);
    const [roles, assignments, grants] = await Promise.all([
      rolesOf(projectId),
      db.collection('role_assignments').find({ projectId: pid }).sort({ _id: 1 }).toArray(),
      db.collection('permission_grants').find({ projectId: pid }).sort({ _id: 1 }).toArray(),
    ]);
    return JSON.stringify({ roles, assignments, grants });
  };

  beforeAll(async () => {
    api = await startTestApp();
    ops = operations(api.url);
    db = await mongoose.createConnection(api.config.MONGODB_URI).asPromise();
    owner = await registerUser(api.url);
    project = await createProject(api.url, owner.accessToken, 'Access');
  });

  afterAll(async () => {
    await db?.close();
    await api?.close();
  });

  describe('permissions and roles', () => {
    it('lists the whole permission catalogue to any signed-in user', async () => {
      const stranger = await registerUser(api.url);

      const sut = ok(await ops.access.permissions(stranger.accessToken)).permissions;

      expect(sut).toEqual(PERMISSIONS.map(permissionEnumKey));
      expect(sut).toEqual(
        expect.arrayContaining(['PROJECT_DELETE', 'ROLE_ASSIGN', 'AUDIT_READ', 'DEPLOYMENT_PROMOTE']),
      );
      expect(codeOf(await ops.access.permissions(undefined))).toBe('UNAUTHENTICATED');
    });

    it('lists the built-in roles, then the project’s custom roles by name', async () => {
      const local = await createProject(api.url, owner.accessToken);
      await customRole(local.id, 'zeta', ['PROJECT_READ']);
      await customRole(local.id, 'Alpha', []);

      const sut = await rolesOf(local.id);

      expect(sut.map((r) => [r.id, r.builtIn, r.projectId])).toEqual([
        ['owner', true, null],
        ['admin', true, null],
        ['developer', true, null],
        ['viewer', true, null],
        [expect.stringMatching(/^[0-9a-f]{24}$/), false, local.id],
        [expect.stringMatching(/^[0-9a-f]{24}$/), false, local.id],
      ]);
      expect(sut.slice(4).map((r) => r.name)).toEqual(['Alpha', 'zeta']);
      const byId = new Map(sut.map((r) => [r.id, r]));
      expect(byId.get('owner')!.permissions).toHaveLength(PERMISSIONS.length);
      expect(byId.get('admin')!.permissions).not.toContain('PROJECT_DELETE');
      expect(byId.get('admin')!.permissions).toHaveLength(PERMISSIONS.length - 1);
      expect(byId.get('viewer')!.permissions).toContain('PROJECT_READ');
      expect(byId.get('viewer')!.permissions).not.toContain('AUDIT_READ');
      expect(byId.get('developer')!.permissions).not.toContain('ROLE_READ');
    });

    it('keeps the built-in roles read-only: their keys are not custom role ids', async () => {
      const before = await accessState(project.id);

      for (const roleId of ['owner', 'admin', 'viewer']) {
        const update = await ops.access.updateRolePermissions(owner.accessToken, { roleId, permissions: [] });
        const deletion = await ops.access.deleteRole(owner.accessToken, { roleId });
        expect([roleId, codeOf(update), codeOf(deletion)]).toEqual([roleId, 'BAD_USER_INPUT', 'BAD_USER_INPUT']);
      }

      expect(await accessState(project.id)).toBe(before);
      expect((await rolesOf(project.id)).find((r) => r.id === 'owner')!.permissions).toHaveLength(PERMISSIONS.length);
    });
  });

  describe('createRole', () => {
    it('creates a custom role in the project, held by nobody yet', async () => {
      const sut = ok(
        await ops.access.createRole(owner.accessToken, {
          projectId: project.id,
          name: 'Deployers ',
          description: ' Ship it ',
          permissions: ['DEPLOYMENT_CREATE', 'PROJECT_READ'],
        }),
      ).createRole;

      expect(sut).toMatchObject({
        projectId: project.id,
        name: 'Deployers',
        description: 'Ship it',
        builtIn: false,
        permissions: ['DEPLOYMENT_CREATE', 'PROJECT_READ'],
        userCount: 0,
      });
      expect(Date.parse(sut.createdAt!)).not.toBeNaN();
      expect((await rolesOf(project.id)).find((r) => r.id === sut.id)?.name).toBe('Deployers');
    });

    it('refuses a name already taken in the project, whatever its case, with CONFLICT', async () => {
      await customRole(project.id, 'Reviewers', ['PROJECT_READ']);
      const before = await accessState(project.id);

      for (const name of ['Reviewers', 'reviewers', 'REVIEWERS', 'Reviewers ', 'Owner', 'admin', 'VIEWER']) {
        const res = await ops.access.createRole(owner.accessToken, { projectId: project.id, name, permissions: [] });
        expect([name, codeOf(res), reasonOf(res)]).toEqual([name, 'CONFLICT', 'ROLE_NAME_TAKEN']);
      }

      expect(await accessState(project.id)).toBe(before);
      // The name is per project.
      const other = await createProject(api.url, owner.accessToken);
      expect((await customRole(other.id, 'reviewers', [])).name).toBe('reviewers');
    });

    it.each([
      ['an unknown permission', { permissions: ['PROJECT_FLY'] }],
      ['a permission spelled as its value', { permissions: ['project:read'] }],
      ['a repeated permission', { permissions: ['PROJECT_READ', 'PROJECT_READ'] }],
      ['an empty name', { name: '' }],
      ['a name starting with a space', { name: ' x' }],
      ['a name with punctuation', { name: 'semi;colon' }],
      ['a name over 60 characters', { name: 'n'.repeat(61) }],
      ['a description over 500 characters', { description: 'd'.repeat(501) }],
      ['a malformed project id', { projectId: 'zzz' }],
      ['a numeric project id', { projectId: '123' }],
    ])('rejects %s with BAD_USER_INPUT', async (_label, change) => {
      const before = await accessState(project.id);

      const res = await ops.access.createRole(owner.accessToken, {
        projectId: project.id,
        name: 'Valid name',
        permissions: ['PROJECT_READ'],
        ...change,
      });

      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      expect(await accessState(project.id)).toBe(before);
    });

    it('does not let anyone create a role carrying a permission they lack', async () => {
      const admin = await registerUser(api.url);
      await assign(project.id, admin.id, 'admin');
      const before = await accessState(project.id);

      const res = await ops.access.createRole(admin.accessToken, {
        projectId: project.id,
        name: 'Sneaky',
        permissions: ['PROJECT_DELETE'],
      });

      expect(codeOf(res)).toBe('FORBIDDEN');
      expect(reasonOf(res)).toBe('PERMISSION_DENIED');
      expect(await accessState(project.id)).toBe(before);
      // Without the permission it lacks, the same admin may.
      expect((await customRole(project.id, 'Sneaky', ['PROJECT_UPDATE'], admin.accessToken)).name).toBe('Sneaky');
    });
  });

  describe('updateRolePermissions', () => {
    it('replaces the permissions, and the holders’ access follows at once', async () => {
      const holder = await registerUser(api.url);
      const role = await customRole(project.id, 'Editors', ['PROJECT_READ']);
      await assign(project.id, holder.id, role.id);
      expect(codeOf(await rename(project.id, 'Edited', holder.accessToken))).toBe('FORBIDDEN');

      const sut = ok(
        await ops.access.updateRolePermissions(owner.accessToken, {
          roleId: role.id,
          permissions: ['PROJECT_READ', 'PROJECT_UPDATE'],
        }),
      ).updateRolePermissions;

      expect(sut).toMatchObject({ id: role.id, permissions: ['PROJECT_READ', 'PROJECT_UPDATE'], userCount: 1 });
      expect(ok(await rename(project.id, 'Access', holder.accessToken)).updateProject.name).toBe('Access');

      // Ids are hex, so upper case names the same role; the count must not depend on the spelling.
      const shrunk = ok(
        await ops.access.updateRolePermissions(owner.accessToken, {
          roleId: role.id.toUpperCase(),
          permissions: ['PROJECT_READ'],
        }),
      ).updateRolePermissions;
      expect(shrunk).toMatchObject({ id: role.id, permissions: ['PROJECT_READ'], userCount: 1 });
      expect(codeOf(await rename(project.id, 'Edited', holder.accessToken))).toBe('FORBIDDEN');
    });

    it('refuses to add or remove a permission the caller lacks', async () => {
      const admin = await registerUser(api.url);
      await assign(project.id, admin.id, 'admin');
      const plain = await customRole(project.id, 'Plain', ['PROJECT_READ']);
      const mighty = await customRole(project.id, 'Mighty', ['PROJECT_DELETE']);
      const before = await accessState(project.id);

      const adding = await ops.access.updateRolePermissions(admin.accessToken, {
        roleId: plain.id,
        permissions: ['PROJECT_DELETE'],
      });
      const removing = await ops.access.updateRolePermissions(admin.accessToken, {
        roleId: mighty.id,
        permissions: [],
      });

      expect([codeOf(adding), reasonOf(adding)]).toEqual(['FORBIDDEN', 'PERMISSION_DENIED']);
      expect([codeOf(removing), reasonOf(removing)]).toEqual(['FORBIDDEN', 'PERMISSION_DENIED']);
      expect(await accessState(project.id)).toBe(before);
    });

    it('rejects unknown and repeated permissions with BAD_USER_INPUT', async () => {
      const role = await customRole(project.id, 'Unchanged', ['PROJECT_READ']);
      const before = await accessState(project.id);

      for (const permissions of [['PROJECT_FLY'], ['PROJECT_READ', 'PROJECT_READ'], 'PROJECT_READ,PROJECT_UPDATE']) {
        const res = await ops.access.updateRolePermissions(owner.accessToken, {
          roleId: role.id,
          permissions: unchecked<string[]>(permissions),
        });
        expect([permissions, codeOf(res)]).toEqual([permissions, 'BAD_USER_INPUT']);
      }
      expect(await accessState(project.id)).toBe(before);
    });
  });

  describe('deleteRole', () => {
    it('takes the role from its holders: their access ends and it is counted nowhere', async () => {
      const [first, second] = await Promise.all([registerUser(api.url), registerUser(api.url)]);
      const role = await customRole(project.id, 'Temporary crew', ['PROJECT_READ', 'PROJECT_UPDATE']);
      await assign(project.id, first.id, role.id);
      await assign(project.id, second.id, role.id);
      expect(await countOf(project.id, role.id)).toBe(2);
      ok(await rename(project.id, 'Access', first.accessToken));

      // Upper-case hex names the same role.
      expect(ok(await ops.access.deleteRole(owner.accessToken, { roleId: role.id.toUpperCase() })).deleteRole).toBe(
        true,
      );

      expect((await rolesOf(project.id)).map((r) => r.id)).not.toContain(role.id);
      for (const holder of [first, second]) {
        expect(codeOf(await rename(project.id, 'Gone', holder.accessToken))).toBe('FORBIDDEN');
        expect(await allowed(project.id, holder.id, 'PROJECT_READ')).toBe(false);
        expect(await assignmentsOf(project.id, holder.id)).toEqual([]);
      }
      expect(await db.collection('role_assignments').countDocuments({ roleId: role.id })).toBe(0);
      expect(codeOf(await ops.access.deleteRole(owner.accessToken, { roleId: role.id }))).toBe('NOT_FOUND');
    });

    it('refuses to delete a role carrying a permission the caller lacks', async () => {
      const admin = await registerUser(api.url);
      await assign(project.id, admin.id, 'admin');
      const role = await customRole(project.id, 'Demolition', ['PROJECT_DELETE']);
      const before = await accessState(project.id);

      const res = await ops.access.deleteRole(admin.accessToken, { roleId: role.id });

      expect([codeOf(res), reasonOf(res)]).toEqual(['FORBIDDEN', 'PERMISSION_DENIED']);
      expect(await accessState(project.id)).toBe(before);
    });
  });

  describe('assignRole and removeRole', () => {
    it('assigns idempotently: the same role twice is one assignment, counted once', async () => {
      const member = await registerUser(api.url);
      const role = await customRole(project.id, 'Twice', ['PROJECT_READ']);

      const first = await assign(project.id, member.id, role.id);
      const again = await assign(project.id, member.id, role.id);

      expect(again.id).toBe(first.id);
      expect(first).toMatchObject({ userId: member.id, expiresAt: null, role: { id: role.id, name: 'Twice' } });
      expect(await countOf(project.id, role.id)).toBe(1);
      expect((await assignmentsOf(project.id, member.id)).map((a) => a.role.id)).toEqual([role.id]);
    });

    it('keeps a role’s userCount right through assign, re-assign, remove and expiry', async () => {
      const [a, b, c] = await Promise.all([registerUser(api.url), registerUser(api.url), registerUser(api.url)]);
      const role = await customRole(project.id, 'Counted', ['PROJECT_READ']);
      const viewersBefore = (await countOf(project.id, 'viewer'))!;

      await assign(project.id, a.id, role.id);
      expect(await countOf(project.id, role.id)).toBe(1);
      await assign(project.id, a.id, role.id);
      expect(await countOf(project.id, role.id)).toBe(1);
      await assign(project.id, b.id, role.id);
      expect(await countOf(project.id, role.id)).toBe(2);
      // Re-assigning with an expiry changes the existing assignment, not the count.
      await assign(project.id, b.id, role.id, { expiresAt: inSeconds(3600) });
      expect(await countOf(project.id, role.id)).toBe(2);

      expect(
        ok(await ops.access.removeRole(owner.accessToken, { projectId: project.id, userId: a.id, roleId: role.id }))
          .removeRole,
      ).toBe(true);
      expect(await countOf(project.id, role.id)).toBe(1);
      expect(await allowed(project.id, a.id, 'PROJECT_READ')).toBe(false);

      const expiresAt = inSeconds(6);
      const short = await assign(project.id, c.id, role.id, { expiresAt });
      expect(short.expiresAt).toBe(expiresAt);
      expect(await countOf(project.id, role.id)).toBe(2);
      expect(await allowed(project.id, c.id, 'PROJECT_READ')).toBe(true);

      await waitFor(async () => (await countOf(project.id, role.id)) === 1, 12_000, 'the short assignment to expire');
      expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(expiresAt));
      expect(await allowed(project.id, c.id, 'PROJECT_READ')).toBe(false);
      expect(await assignmentsOf(project.id, c.id)).toEqual([]);
      expect(await allowed(project.id, b.id, 'PROJECT_READ')).toBe(true);
      expect(await countOf(project.id, 'viewer')).toBe(viewersBefore);
    });

    it('refuses a user that does not exist with NOT_FOUND', async () => {
      const before = await accessState(project.id);

      const res = await ops.access.assignRole(owner.accessToken, {
        projectId: project.id,
        userId: unknownId(),
        roleId: 'viewer',
      });

      expect([codeOf(res), reasonOf(res)]).toEqual(['NOT_FOUND', 'USER_NOT_FOUND']);
      expect(await accessState(project.id)).toBe(before);
    });

    it.each([
      ['an expiry in the past', { expiresAt: new Date(Date.now() - 60_000).toISOString() }],
      ['an expiry that is not a date', { expiresAt: 'next tuesday' }],
      ['an unknown built-in role key', { roleId: 'superuser' }],
      ['a malformed user id', { userId: 'zzz' }],
      ['a malformed role id', { roleId: 'zzz' }],
    ])('rejects %s with BAD_USER_INPUT', async (_label, change) => {
      const member = await registerUser(api.url);
      const before = await accessState(project.id);

      const res = await ops.access.assignRole(owner.accessToken, {
        projectId: project.id,
        userId: member.id,
        roleId: 'viewer',
        ...change,
      });

      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      expect(await accessState(project.id)).toBe(before);
    });

    it('does not assign a role of project A in project B (NOT_FOUND)', async () => {
      const other = await createProject(api.url, owner.accessToken);
      const member = await registerUser(api.url);
      const role = await customRole(project.id, 'Only here', ['PROJECT_READ']);
      const before = await accessState(other.id);

      const res = await ops.access.assignRole(owner.accessToken, {
        projectId: other.id,
        userId: member.id,
        roleId: role.id,
      });

      expect([codeOf(res), reasonOf(res)]).toEqual(['NOT_FOUND', 'ROLE_NOT_FOUND']);
      expect(await accessState(other.id)).toBe(before);
      expect(await allowed(other.id, member.id, 'PROJECT_READ')).toBe(false);
      // Nor remove it there.
      const removal = await ops.access.removeRole(owner.accessToken, {
        projectId: other.id,
        userId: member.id,
        roleId: role.id,
      });
      expect(codeOf(removal)).toBe('NOT_FOUND');
    });

    it('keeps the last lasting owner: removing them, or giving them an expiry, is a CONFLICT', async () => {
      const own = await createProject(api.url, owner.accessToken);
      const colleague = await registerUser(api.url);

      const removal = await ops.access.removeRole(owner.accessToken, {
        projectId: own.id,
        userId: owner.id,
        roleId: 'owner',
      });
      expect([codeOf(removal), reasonOf(removal)]).toEqual(['CONFLICT', 'LAST_OWNER']);
      const expiring = await ops.access.assignRole(owner.accessToken, {
        projectId: own.id,
        userId: owner.id,
        roleId: 'owner',
        expiresAt: inSeconds(60),
      });
      expect([codeOf(expiring), reasonOf(expiring)]).toEqual(['CONFLICT', 'LAST_OWNER']);
      expect((await assignmentsOf(own.id, owner.id)).map((a) => [a.role.id, a.expiresAt])).toEqual([['owner', null]]);

      // A temporary co-owner is not enough to leave …
      await assign(own.id, colleague.id, 'owner', { expiresAt: inSeconds(3600) });
      expect(await countOf(own.id, 'owner')).toBe(2);
      const stillLast = await ops.access.removeRole(owner.accessToken, {
        projectId: own.id,
        userId: owner.id,
        roleId: 'owner',
      });
      expect(codeOf(stillLast)).toBe('CONFLICT');

      // … a lasting one is.
      await assign(own.id, colleague.id, 'owner');
      ok(await ops.access.removeRole(owner.accessToken, { projectId: own.id, userId: owner.id, roleId: 'owner' }));
      const asColleague = ok(await ops.access.roles(colleague.accessToken, { projectId: own.id })).roles;
      expect(asColleague.find((r) => r.id === 'owner')?.userCount).toBe(1);
      expect(codeOf(await ops.access.roles(owner.accessToken, { projectId: own.id }))).toBe('FORBIDDEN');
      const last = await ops.access.removeRole(colleague.accessToken, {
        projectId: own.id,
        userId: colleague.id,
        roleId: 'owner',
      });
      expect(codeOf(last)).toBe('CONFLICT');
    });

    it('answers NOT_FOUND when removing a role the user does not hold', async () => {
      const member = await registerUser(api.url);
      await assign(project.id, member.id, 'viewer');
      const before = await accessState(project.id);

      const res = await ops.access.removeRole(owner.accessToken, {
        projectId: project.id,
        userId: member.id,
        roleId: 'developer',
      });

      expect([codeOf(res), reasonOf(res)]).toEqual(['NOT_FOUND', 'ASSIGNMENT_NOT_FOUND']);
      expect(await accessState(project.id)).toBe(before);
    });
  });

  describe('privilege escalation', () => {
    let helper: TestUser;
    let bystander: TestUser;
    let helperRole: Role;

    beforeAll(async () => {
      [helper, bystander] = await Promise.all([registerUser(api.url), registerUser(api.url)]);
      helperRole = await customRole(project.id, 'Access helper', ['ROLE_ASSIGN', 'ROLE_READ', 'PROJECT_READ']);
      await assign(project.id, helper.id, helperRole.id);
    });

    it('lets a ROLE_ASSIGN holder hand out only what they hold themselves', async () => {
      const before = await accessState(project.id);
      const attempts: [string, GraphQLResponse<unknown>][] = [
        [
          'owner to self',
          await ops.access.assignRole(helper.accessToken, {
            projectId: project.id,
            userId: helper.id,
            roleId: 'owner',
          }),
        ],
        [
          'owner to another',
          await ops.access.assignRole(helper.accessToken, {
            projectId: project.id,
            userId: bystander.id,
            roleId: 'owner',
          }),
        ],
        [
          'admin to self',
          await ops.access.assignRole(helper.accessToken, {
            projectId: project.id,
            userId: helper.id,
            roleId: 'admin',
          }),
        ],
        [
          'viewer to self',
          await ops.access.assignRole(helper.accessToken, {
            projectId: project.id,
            userId: helper.id,
            roleId: 'viewer',
          }),
        ],
        [
          'PROJECT_DELETE to self',
          await ops.access.grantPermission(helper.accessToken, {
            projectId: project.id,
            userId: helper.id,
            permission: 'PROJECT_DELETE',
          }),
        ],
        [
          'PROJECT_DELETE to another',
          await ops.access.grantPermission(helper.accessToken, {
            projectId: project.id,
            userId: bystander.id,
            permission: 'PROJECT_DELETE',
          }),
        ],
        [
          'ROLE_CREATE to self',
          await ops.access.grantPermission(helper.accessToken, {
            projectId: project.id,
            userId: helper.id,
            permission: 'ROLE_CREATE',
          }),
        ],
        [
          'owner away from the owner',
          await ops.access.removeRole(helper.accessToken, { projectId: project.id, userId: owner.id, roleId: 'owner' }),
        ],
      ];

      expect(attempts.map(([what, res]) => [what, codeOf(res), reasonOf(res)])).toEqual(
        attempts.map(([what]) => [what, 'FORBIDDEN', 'PERMISSION_DENIED']),
      );
      expect(await accessState(project.id)).toBe(before);
      expect(await allowed(project.id, helper.id, 'PROJECT_DELETE')).toBe(false);
      expect(codeOf(await ops.projects.delete(helper.accessToken, { id: project.id }))).toBe('FORBIDDEN');
    });

    it('has no way around it through the role operations it lacks', async () => {
      const before = await accessState(project.id);

      const create = await ops.access.createRole(helper.accessToken, {
        projectId: project.id,
        name: 'Mine',
        permissions: ['PROJECT_DELETE'],
      });
      const widen = await ops.access.updateRolePermissions(helper.accessToken, {
        roleId: helperRole.id,
        permissions: ['PROJECT_DELETE'],
      });
      const drop = await ops.access.deleteRole(helper.accessToken, { roleId: helperRole.id });

      expect([codeOf(create), codeOf(widen), codeOf(drop)]).toEqual(['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN']);
      expect(await accessState(project.id)).toBe(before);
    });

    it('does let it hand out what it holds', async () => {
      const passedOn = ok(
        await ops.access.assignRole(helper.accessToken, {
          projectId: project.id,
          userId: bystander.id,
          roleId: helperRole.id,
        }),
      ).assignRole;
      const granted = ok(
        await ops.access.grantPermission(helper.accessToken, {
          projectId: project.id,
          userId: bystander.id,
          permission: 'PROJECT_READ',
        }),
      ).grantPermission;

      expect(passedOn.role.id).toBe(helperRole.id);
      expect(granted).toMatchObject({ permission: 'PROJECT_READ', grantedBy: helper.id });
      expect(await countOf(project.id, helperRole.id)).toBe(2);
    });
  });

  describe('grantPermission and revokePermission', () => {
    it('grants exactly one thing until it is revoked', async () => {
      const guest = await registerUser(api.url);

      const grant = ok(
        await ops.access.grantPermission(owner.accessToken, {
          projectId: project.id,
          userId: guest.id,
          permission: 'PROJECT_UPDATE',
        }),
      ).grantPermission;
      expect(grant).toMatchObject({
        userId: guest.id,
        permission: 'PROJECT_UPDATE',
        expiresAt: null,
        grantedBy: owner.id,
      });

      expect(ok(await rename(project.id, 'Access', guest.accessToken)).updateProject.name).toBe('Access');
      expect(codeOf(await ops.projects.get(guest.accessToken, { id: project.id }))).toBe('FORBIDDEN');
      expect(codeOf(await ops.access.roles(guest.accessToken, { projectId: project.id }))).toBe('FORBIDDEN');
      expect(codeOf(await ops.projects.delete(guest.accessToken, { id: project.id }))).toBe('FORBIDDEN');
      const check = ok(
        await ops.access.checkPermission(owner.accessToken, {
          projectId: project.id,
          permission: 'PROJECT_UPDATE',
          userId: guest.id,
        }),
      ).checkPermission;
      expect(check).toEqual({
        userId: guest.id,
        permission: 'PROJECT_UPDATE',
        allowed: true,
        sources: [`grant:${grant.id}`],
      });

      const revoke = { projectId: project.id, userId: guest.id, permission: 'PROJECT_UPDATE' };
      expect(ok(await ops.access.revokePermission(owner.accessToken, revoke)).revokePermission).toBe(true);

      expect(codeOf(await rename(project.id, 'Revoked', guest.accessToken))).toBe('FORBIDDEN');
      expect(await allowed(project.id, guest.id, 'PROJECT_UPDATE')).toBe(false);
      const again = await ops.access.revokePermission(owner.accessToken, revoke);
      expect([codeOf(again), reasonOf(again)]).toEqual(['NOT_FOUND', 'GRANT_NOT_FOUND']);
    });

    it('stops a grant with a short expiry by itself', async () => {
      const guest = await registerUser(api.url);
      const expiresAt = inSeconds(5);
      const grant = ok(
        await ops.access.grantPermission(owner.accessToken, {
          projectId: project.id,
          userId: guest.id,
          permission: 'PROJECT_UPDATE',
          expiresAt,
        }),
      ).grantPermission;
      expect(grant.expiresAt).toBe(expiresAt);
      expect(ok(await rename(project.id, 'Access', guest.accessToken)).updateProject.name).toBe('Access');

      await waitFor(
        async () => codeOf(await rename(project.id, 'Access', guest.accessToken)) === 'FORBIDDEN',
        10_000,
        'the grant to expire',
      );

      expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(expiresAt));
      expect(await allowed(project.id, guest.id, 'PROJECT_UPDATE')).toBe(false);
    });

    it.each([
      ['a user that does not exist', { userId: unknownId() }, 'NOT_FOUND'],
      ['an expiry in the past', { expiresAt: new Date(Date.now() - 1_000).toISOString() }, 'BAD_USER_INPUT'],
      ['an unknown permission', { permission: 'PROJECT_FLY' }, 'BAD_USER_INPUT'],
      ['a malformed user id', { userId: '123' }, 'BAD_USER_INPUT'],
    ])('refuses a grant to %s', async (_label, change, code) => {
      const guest = await registerUser(api.url);
      const before = await accessState(project.id);

      const res = await ops.access.grantPermission(owner.accessToken, {
        projectId: project.id,
        userId: guest.id,
        permission: 'BUILD_READ',
        ...change,
      });

      expect(codeOf(res)).toBe(code);
      expect(await accessState(project.id)).toBe(before);
    });
  });

  describe('userRoles and checkPermission', () => {
    it('pages through a project’s assignments once each, and filters by user', async () => {
      const paged = await createProject(api.url, owner.accessToken);
      const members = await Promise.all([1, 2, 3, 4, 5].map(() => registerUser(api.url)));
      for (const member of members) await assign(paged.id, member.id, 'viewer');

      const seen: RoleAssignment[] = [];
      const totals: number[] = [];
      let after: string | undefined;
      for (let page = 0; page < 10; page += 1) {
        const res = ok(
          await ops.access.userRoles(owner.accessToken, { projectId: paged.id, first: 2, after }),
        ).userRoles;
        seen.push(...res.edges.map((e) => e.node));
        totals.push(res.totalCount);
        if (!res.pageInfo.hasNextPage) break;
        after = res.pageInfo.endCursor ?? undefined;
      }

      expect(totals).toEqual([6, 6, 6]);
      expect(new Set(seen.map((a) => a.id)).size).toBe(6);
      expect(seen.map((a) => a.userId).sort()).toEqual([owner.id, ...members.map((m) => m.id)].sort());
      // One order across pages: descending ids.
      expect(seen.map((a) => a.id)).toEqual(
        seen
          .map((a) => a.id)
          .sort()
          .reverse(),
      );
      expect(seen.filter((a) => a.role.id === 'owner').map((a) => a.userId)).toEqual([owner.id]);
      const one = ok(
        await ops.access.userRoles(owner.accessToken, { projectId: paged.id, userId: members[2]!.id }),
      ).userRoles;
      expect(one.totalCount).toBe(1);
      expect(one.edges.map((e) => [e.node.userId, e.node.role.id])).toEqual([[members[2]!.id, 'viewer']]);
    });

    it.each([
      ['first: 0', { first: 0 }],
      ['first: 101', { first: 101 }],
      ['a forged after cursor', { after: 'forged' }],
      ['a malformed user id', { userId: 'zzz' }],
    ])('rejects %s with BAD_USER_INPUT', async (_label, variables) => {
      expect(codeOf(await ops.access.userRoles(owner.accessToken, { projectId: project.id, ...variables }))).toBe(
        'BAD_USER_INPUT',
      );
    });

    it('lets a member check themselves but needs ROLE_READ to check someone else', async () => {
      const developer = await registerUser(api.url);
      await assign(project.id, developer.id, 'developer');

      const self = ok(
        await ops.access.checkPermission(developer.accessToken, { projectId: project.id, permission: 'BUILD_CREATE' }),
      ).checkPermission;
      const notHeld = ok(
        await ops.access.checkPermission(developer.accessToken, { projectId: project.id, permission: 'ROLE_ASSIGN' }),
      ).checkPermission;
      const other = await ops.access.checkPermission(developer.accessToken, {
        projectId: project.id,
        permission: 'BUILD_CREATE',
        userId: owner.id,
      });

      expect(self).toEqual({
        userId: developer.id,
        permission: 'BUILD_CREATE',
        allowed: true,
        sources: ['role:developer'],
      });
      expect(notHeld).toMatchObject({ allowed: false, sources: [] });
      expect([codeOf(other), other.data?.checkPermission ?? null]).toEqual(['FORBIDDEN', null]);
      expect(codeOf(await ops.access.userRoles(developer.accessToken, { projectId: project.id }))).toBe('FORBIDDEN');
      expect(codeOf(await ops.access.roles(developer.accessToken, { projectId: project.id }))).toBe('FORBIDDEN');
      expect(
        codeOf(
          await ops.access.checkPermission(owner.accessToken, { projectId: project.id, permission: 'PROJECT_FLY' }),
        ),
      ).toBe('BAD_USER_INPUT');
    });
  });

  /**
   * Every operation against malformed ids, unknown ids, a project the caller is not a member of,
   * and no token at all. `ids` are valid defaults; each case replaces one.
   */
  describe('refusals, operation by operation', () => {
    interface Ids {
      projectId: string;
      roleId: string;
      customRoleId: string;
      userId: string;
    }
    interface Operation {
      name: string;
      /** The arguments, or the input of a mutation. */
      vars: (ids: Ids) => Record<string, unknown>;
      send: (token: string | undefined, vars: any) => Promise<GraphQLResponse<Record<string, unknown>>>;
      /** Which ids the operation takes. */
      takes: (keyof Ids)[];
      /** The id that tells the guard which project is meant. */
      locator: keyof Ids;
    }
    const table: Operation[] = [
      {
        name: 'roles',
        vars: (i) => ({ projectId: i.projectId }),
        send: (token, vars) => ops.access.roles(token, vars),
        takes: ['projectId'],
        locator: 'projectId',
      },
      {
        name: 'createRole',
        vars: (i) => ({ projectId: i.projectId, name: 'Table role', permissions: [] }),
        send: (token, vars) => ops.access.createRole(token, vars),
        takes: ['projectId'],
        locator: 'projectId',
      },
      {
        name: 'updateRolePermissions',
        vars: (i) => ({ roleId: i.customRoleId, permissions: ['PROJECT_UPDATE'] }),
        send: (token, vars) => ops.access.updateRolePermissions(token, vars),
        takes: ['customRoleId'],
        locator: 'customRoleId',
      },
      {
        name: 'deleteRole',
        vars: (i) => ({ roleId: i.customRoleId }),
        send: (token, vars) => ops.access.deleteRole(token, vars),
        takes: ['customRoleId'],
        locator: 'customRoleId',
      },
      {
        name: 'assignRole',
        vars: (i) => ({ projectId: i.projectId, userId: i.userId, roleId: i.roleId }),
        send: (token, vars) => ops.access.assignRole(token, vars),
        takes: ['projectId', 'userId', 'roleId'],
        locator: 'projectId',
      },
      {
        name: 'removeRole',
        vars: (i) => ({ projectId: i.projectId, userId: i.userId, roleId: i.roleId }),
        send: (token, vars) => ops.access.removeRole(token, vars),
        takes: ['projectId', 'userId', 'roleId'],
        locator: 'projectId',
      },
      {
        name: 'grantPermission',
        vars: (i) => ({ projectId: i.projectId, userId: i.userId, permission: 'BUILD_READ' }),
        send: (token, vars) => ops.access.grantPermission(token, vars),
        takes: ['projectId', 'userId'],
        locator: 'projectId',
      },
      {
        name: 'revokePermission',
        vars: (i) => ({ projectId: i.projectId, userId: i.userId, permission: 'BUILD_READ' }),
        send: (token, vars) => ops.access.revokePermission(token, vars),
        takes: ['projectId', 'userId'],
        locator: 'projectId',
      },
      {
        name: 'userRoles',
        vars: (i) => ({ projectId: i.projectId, userId: i.userId }),
        send: (token, vars) => ops.access.userRoles(token, vars),
        takes: ['projectId', 'userId'],
        locator: 'projectId',
      },
      {
        name: 'checkPermission',
        vars: (i) => ({ projectId: i.projectId, permission: 'PROJECT_READ', userId: i.userId }),
        send: (token, vars) => ops.access.checkPermission(token, vars),
        takes: ['projectId', 'userId'],
        locator: 'projectId',
      },
    ];

    let ids: Ids;
    let stranger: TestUser;

    beforeAll(async () => {
      const target = await createProject(api.url, owner.accessToken);
      const member = await registerUser(api.url);
      const custom = await customRole(target.id, 'Table custom', ['PROJECT_READ']);
      await assign(target.id, member.id, 'viewer');
      await assign(target.id, member.id, custom.id);
      ok(
        await ops.access.grantPermission(owner.accessToken, {
          projectId: target.id,
          userId: member.id,
          permission: 'BUILD_READ',
        }),
      );
      ids = { projectId: target.id, roleId: 'viewer', customRoleId: custom.id, userId: member.id };
      // A stranger to the target project, though the owner of another.
      stranger = await registerUser(api.url);
      await createProject(api.url, stranger.accessToken);
    });

    const expectRefused = async (
      op: Operation,
      variables: Record<string, unknown>,
      token: string | undefined,
      code: string,
    ) => {
      const before = await accessState(ids.projectId);
      const res = await op.send(token, variables);
      expect({ operation: op.name, variables, code: codeOf(res) }).toEqual({ operation: op.name, variables, code });
      expect(res.data?.[op.name] ?? null).toBeNull();
      expect(await accessState(ids.projectId)).toBe(before);
    };

    it.each(table.map((op) => [op.name, op] as const))('%s: malformed ids are BAD_USER_INPUT', async (_name, op) => {
      for (const key of op.takes) {
        for (const bad of ['zzz', '123', 'g'.repeat(24)]) {
          await expectRefused(op, op.vars({ ...ids, [key]: bad }), owner.accessToken, 'BAD_USER_INPUT');
        }
      }
    });

    it.each(table.map((op) => [op.name, op] as const))(
      '%s: an unknown project or role is NOT_FOUND',
      async (_name, op) => {
        await expectRefused(op, op.vars({ ...ids, [op.locator]: unknownId() }), owner.accessToken, 'NOT_FOUND');
      },
    );

    it.each(table.map((op) => [op.name, op] as const))('%s: a non-member is FORBIDDEN', async (_name, op) => {
      await expectRefused(op, op.vars(ids), stranger.accessToken, 'FORBIDDEN');
    });

    it.each(table.map((op) => [op.name, op] as const))('%s: no token is UNAUTHENTICATED', async (_name, op) => {
      await expectRefused(op, op.vars(ids), undefined, 'UNAUTHENTICATED');
    });

    it('and the same operations with the valid ids do succeed for the owner', async () => {
      // Proves the refusals above came from the one id each case broke, not from the defaults.
      for (const op of table.filter((o) => !['deleteRole', 'removeRole', 'revokePermission'].includes(o.name))) {
        const res = await op.send(owner.accessToken, op.vars(ids));
        expect({ operation: op.name, errors: res.errors ?? [] }).toEqual({ operation: op.name, errors: [] });
      }
      for (const name of ['revokePermission', 'removeRole', 'deleteRole']) {
        const op = table.find((o) => o.name === name)!;
        expect(ok(await op.send(owner.accessToken, op.vars(ids)))[name]).toBe(true);
      }
    });
  });
});
