import { assignRole, createProject, registerUser } from './support/factories';
import { codeOf } from './support/graphql-client';
import { operations, type Operations } from './support/operations';
import { startTestApp, type TestApp } from './support/test-app';

/** Without multi-document transactions, the last-owner rule must still hold under races. */
describe('last owner under concurrent removals', () => {
  let api: TestApp;
  let ops: Operations;

  beforeAll(async () => {
    api = await startTestApp();
    ops = operations(api.url);
  });

  afterAll(async () => {
    await api?.close();
  });

  it('never leaves a project without a permanent owner when two owners remove each other at once', async () => {
    const x = await registerUser(api.url);
    const y = await registerUser(api.url);
    for (let round = 0; round < 5; round += 1) {
      const project = await createProject(api.url, x.accessToken);
      await assignRole(api.url, x.accessToken, { projectId: project.id, userId: y.id, roleId: 'owner' });
      const remove = (actor: string, target: string) =>
        ops.access.removeRole(actor, { projectId: project.id, userId: target, roleId: 'owner' });
      const results = await Promise.all([remove(x.accessToken, y.id), remove(y.accessToken, x.id)]);
      const succeeded = results.filter((r) => r.data?.removeRole === true).length;
      expect(succeeded).toBeLessThanOrEqual(1);
      for (const r of results.filter((res) => res.errors)) expect(['CONFLICT', 'FORBIDDEN']).toContain(codeOf(r));
      const owners = await Promise.all(
        [x, y].map(async (u) => {
          const res = await ops.access.checkPermission(u.accessToken, {
            projectId: project.id,
            permission: 'PROJECT_DELETE',
          });
          return res.data?.checkPermission.allowed === true;
        }),
      );
      expect(owners.filter(Boolean).length).toBeGreaterThanOrEqual(1);
    }
  });
});
