import { codeOf, ok, waitFor } from './support/graphql-client';
import { createProject, registerUser } from './support/factories';
import { operations, type Operations } from './support/operations';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The path a team takes: register, sign in, create a project, define a custom role, lend it to a
 * colleague for a while, and see every allowed and refused step in the audit log.
 */
describe('custom roles with an expiry, end to end', () => {
  let api: TestApp;
  let ops: Operations;

  beforeAll(async () => {
    api = await startTestApp();
    ops = operations(api.url);
  });

  afterAll(async () => {
    await api?.close();
  });

  it('grants, denies, audits and then withdraws access when the assignment expires', async () => {
    const owner = await registerUser(api.url, { email: 'owner@example.test', password: 'owner password 1' });
    const login = ok(await ops.auth.login({ email: 'owner@example.test', password: 'owner password 1' }));
    expect(login.login.user.id).toBe(owner.id);
    const ownerToken = login.login.accessToken;
    const project = await createProject(api.url, ownerToken, 'Storefront');

    const role = ok(
      await ops.access.createRole(ownerToken, {
        projectId: project.id,
        name: 'Release manager',
        permissions: ['PROJECT_READ', 'PROJECT_UPDATE'],
      }),
    ).createRole;
    expect(role.permissions).toEqual(['PROJECT_READ', 'PROJECT_UPDATE']);
    expect(role.userCount).toBe(0);

    const colleague = await registerUser(api.url, { email: 'colleague@example.test' });
    const expiresAt = new Date(Date.now() + 5_000).toISOString();
    const assignment = ok(
      await ops.access.assignRole(ownerToken, {
        projectId: project.id,
        userId: colleague.id,
        roleId: role.id,
        expiresAt,
      }),
    ).assignRole;
    expect(assignment.role.id).toBe(role.id);
    expect(assignment.expiresAt).toBe(expiresAt);

    const roles = ok(await ops.access.roles(ownerToken, { projectId: project.id })).roles;
    expect(roles.find((r) => r.id === role.id)?.userCount).toBe(1);
    expect(roles.find((r) => r.id === 'owner')?.userCount).toBe(1);

    // Allowed: the role carries project:update.
    const renamed = await ops.projects.update(colleague.accessToken, { id: project.id, name: 'Storefront v2' });
    expect(ok(renamed).updateProject.name).toBe('Storefront v2');

    // Denied: it does not carry project:delete.
    const deletion = await ops.projects.delete(colleague.accessToken, { id: project.id });
    expect(codeOf(deletion)).toBe('FORBIDDEN');

    const audit = await waitFor(
      async () => {
        const res = ok(await ops.audit.logs(ownerToken, { projectId: project.id, first: 50 }));
        const nodes = res.auditLogs.edges.map((e) => e.node);
        const granted = nodes.find((n) => n.operation === 'mutation.updateProject' && n.outcome === 'GRANTED');
        const denied = nodes.find((n) => n.operation === 'mutation.deleteProject' && n.outcome === 'DENIED');
        return granted && denied ? { granted, denied } : undefined;
      },
      5_000,
      'granted and denied audit entries',
    );
    expect(audit.granted.actorId).toBe(colleague.id);
    expect(audit.denied.actorId).toBe(colleague.id);
    expect(audit.denied.projectId).toBe(project.id);
    expect(audit.granted.ip).toMatch(/127\.0\.0\.1/);

    // After expiresAt the same call is refused without anyone removing the role.
    await waitFor(async () => Date.now() > Date.parse(expiresAt) + 50, 10_000, 'the expiry');
    const late = await ops.projects.update(colleague.accessToken, { id: project.id, name: 'Too late' });
    expect(codeOf(late)).toBe('FORBIDDEN');
    const after = ok(await ops.access.roles(ownerToken, { projectId: project.id })).roles;
    expect(after.find((r) => r.id === role.id)?.userCount).toBe(0);
    const check = ok(
      await ops.access.checkPermission(ownerToken, {
        projectId: project.id,
        permission: 'PROJECT_UPDATE',
        userId: colleague.id,
      }),
    );
    expect(check.checkPermission.allowed).toBe(false);
  });
});
