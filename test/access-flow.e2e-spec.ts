import { codeOf, gql, ok, waitFor } from './support/graphql-client';
import { createProject, registerUser } from './support/factories';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The path a team takes: register, sign in, create a project, define a custom role, lend it to a
 * colleague for a while, and see every allowed and refused step in the audit log.
 */
describe('custom roles with an expiry, end to end', () => {
  let api: TestApp;

  beforeAll(async () => {
    api = await startTestApp();
  });

  afterAll(async () => {
    await api?.close();
  });

  it('grants, denies, audits and then withdraws access when the assignment expires', async () => {
    const owner = await registerUser(api.url, { email: 'owner@example.test', password: 'owner password 1' });
    const login = ok(
      await gql<{ login: { accessToken: string; user: { id: string } } }>(
        api.url,
        'mutation { login(input: { email: "owner@example.test", password: "owner password 1" }) { accessToken user { id } } }',
      ),
    );
    expect(login.login.user.id).toBe(owner.id);
    const ownerToken = login.login.accessToken;
    const project = await createProject(api.url, ownerToken, 'Storefront');

    const role = ok(
      await gql<{ createRole: { id: string; permissions: string[]; userCount: number } }>(
        api.url,
        `mutation ($input: CreateRoleInput!) { createRole(input: $input) { id permissions userCount } }`,
        { input: { projectId: project.id, name: 'Release manager', permissions: ['PROJECT_READ', 'PROJECT_UPDATE'] } },
        ownerToken,
      ),
    ).createRole;
    expect(role.permissions).toEqual(['PROJECT_READ', 'PROJECT_UPDATE']);
    expect(role.userCount).toBe(0);

    const colleague = await registerUser(api.url, { email: 'colleague@example.test' });
    const expiresAt = new Date(Date.now() + 5_000).toISOString();
    const assignment = ok(
      await gql<{ assignRole: { expiresAt: string; role: { id: string } } }>(
        api.url,
        `mutation ($input: AssignRoleInput!) { assignRole(input: $input) { expiresAt role { id } } }`,
        { input: { projectId: project.id, userId: colleague.id, roleId: role.id, expiresAt } },
        ownerToken,
      ),
    ).assignRole;
    expect(assignment.role.id).toBe(role.id);
    expect(assignment.expiresAt).toBe(expiresAt);

    const roles = ok(
      await gql<{ roles: { id: string; userCount: number }[] }>(
        api.url,
        'query ($p: ID!) { roles(projectId: $p) { id userCount } }',
        { p: project.id },
        ownerToken,
      ),
    ).roles;
    expect(roles.find((r) => r.id === role.id)?.userCount).toBe(1);
    expect(roles.find((r) => r.id === 'owner')?.userCount).toBe(1);

    // Allowed: the role carries project:update.
    const renamed = await gql<{ updateProject: { name: string } }>(
      api.url,
      'mutation ($input: UpdateProjectInput!) { updateProject(input: $input) { name } }',
      { input: { id: project.id, name: 'Storefront v2' } },
      colleague.accessToken,
    );
    expect(ok(renamed).updateProject.name).toBe('Storefront v2');

    // Denied: it does not carry project:delete.
    const deletion = await gql(
      api.url,
      'mutation ($input: DeleteProjectInput!) { deleteProject(input: $input) }',
      { input: { id: project.id } },
      colleague.accessToken,
    );
    expect(codeOf(deletion)).toBe('FORBIDDEN');

    const audit = await waitFor(
      async () => {
        const res = ok(
          await gql<{
            auditLogs: {
              edges: {
                node: { operation: string; outcome: string; actorId: string; projectId: string; ip: string | null };
              }[];
            };
          }>(
            api.url,
            'query ($p: ID!) { auditLogs(projectId: $p, first: 50) { edges { node { operation outcome actorId projectId ip } } } }',
            { p: project.id },
            ownerToken,
          ),
        );
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
    const late = await gql(
      api.url,
      'mutation ($input: UpdateProjectInput!) { updateProject(input: $input) { name } }',
      { input: { id: project.id, name: 'Too late' } },
      colleague.accessToken,
    );
    expect(codeOf(late)).toBe('FORBIDDEN');
    const after = ok(
      await gql<{ roles: { id: string; userCount: number }[] }>(
        api.url,
        'query ($p: ID!) { roles(projectId: $p) { id userCount } }',
        { p: project.id },
        ownerToken,
      ),
    ).roles;
    expect(after.find((r) => r.id === role.id)?.userCount).toBe(0);
    const check = ok(
      await gql<{ checkPermission: { allowed: boolean } }>(
        api.url,
        'query ($p: ID!, $u: ID!) { checkPermission(projectId: $p, permission: PROJECT_UPDATE, userId: $u) { allowed } }',
        { p: project.id, u: colleague.id },
        ownerToken,
      ),
    );
    expect(check.checkPermission.allowed).toBe(false);
  });
});
