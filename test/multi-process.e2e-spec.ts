import { codeOf, ok, waitFor } from './support/graphql-client';
import { startChildApi, type ChildApi } from './support/child-api';
import { assignRole, createProject, registerUser } from './support/factories';
import { operations, subscribeProjectEvents, type Operations } from './support/operations';
import { startTestApp, testEnv, type TestApp } from './support/test-app';
import { firstWhileTriggering, modernClient } from './support/ws-clients';

/**
 * Two API processes share MongoDB and Redis and nothing else: what one publishes, a subscriber
 * on the other receives. The second process is the compiled server in its own OS process.
 */
describe('scale-out across API processes', () => {
  let first: TestApp;
  let second: ChildApi;
  let onFirst: Operations;
  let onSecond: Operations;

  beforeAll(async () => {
    first = await startTestApp({ PROCESS_ROLE: 'api' });
    second = await startChildApi({ ...testEnv({ PROCESS_ROLE: 'api', PORT: '0' }), NODE_ENV: 'production' });
    onFirst = operations(first.url);
    onSecond = operations(second.url);
  });

  afterAll(async () => {
    await second?.stop();
    await first?.close();
  });

  it('delivers an event published by one process to a subscription opened on the other', async () => {
    const owner = await registerUser(first.url);
    const project = await createProject(first.url, owner.accessToken);
    // The token minted by the first process is accepted by the second: sessions live in MongoDB.
    const seen = ok(await onSecond.projects.get(owner.accessToken, { id: project.id }));
    expect(seen.project.id).toBe(project.id);

    const client = modernClient(second.wsUrl, owner.accessToken);
    const events = subscribeProjectEvents(client, { projectId: project.id });
    try {
      const event = await firstWhileTriggering(
        events,
        async (attempt) =>
          ok(await onFirst.projects.update(owner.accessToken, { id: project.id, name: `From process one ${attempt}` })),
        40,
      );
      expect(event?.projectEvents.name).toBe('project.updated');
      expect(String(event?.projectEvents.payload.name)).toMatch(/^From process one/);
    } finally {
      events.close();
      await client.dispose();
    }
  });

  it('withdraws access on the other process as soon as it is withdrawn here', async () => {
    const owner = await registerUser(first.url);
    const member = await registerUser(first.url);
    const project = await createProject(first.url, owner.accessToken);
    const assign = { projectId: project.id, userId: member.id, roleId: 'viewer' };
    await assignRole(first.url, owner.accessToken, assign);
    const read = () => onSecond.projects.get(member.accessToken, { id: project.id });
    // The second process now holds the member's permissions and session in its caches.
    expect({ id: ok(await read()).project.id }).toEqual({ id: project.id });

    ok(await onFirst.access.removeRole(owner.accessToken, assign));
    const denied = await waitFor(
      async () => codeOf(await read()) === 'FORBIDDEN',
      2_000,
      'the role removal to reach the second process',
    );
    expect(denied).toBe(true);

    ok(await onFirst.access.assignRole(owner.accessToken, assign));
    await waitFor(
      async () => (await read()).data?.project !== undefined,
      2_000,
      'the new role to reach the second process',
    );
    ok(await onFirst.auth.logout(member.accessToken));
    const loggedOut = await waitFor(
      async () => codeOf(await read()) === 'UNAUTHENTICATED',
      2_000,
      'the logout to reach the second process',
    );
    expect(loggedOut).toBe(true);
  });

  it('serves a project changed on one process fresh from the other', async () => {
    const owner = await registerUser(first.url);
    const project = await createProject(first.url, owner.accessToken, 'Before');
    const read = () => onSecond.projects.get(owner.accessToken, { id: project.id });
    expect(ok(await read()).project.name).toBe('Before');
    ok(await onFirst.projects.update(owner.accessToken, { id: project.id, name: 'After' }));
    await waitFor(
      async () => (await read()).data?.project.name === 'After',
      2_000,
      'the rename to reach the second process',
    );
    ok(await onFirst.projects.delete(owner.accessToken, { id: project.id }));
    await waitFor(async () => codeOf(await read()) === 'NOT_FOUND', 2_000, 'the deletion to reach the second process');
  });

  it('shuts the second process down cleanly on SIGTERM', async () => {
    const { code, signal } = await second.stop();
    // Nest closes the app, then re-raises the signal so the exit status tells what ended it.
    expect(code === 0 || signal === 'SIGTERM').toBe(true);
    expect(second.output()).toContain('Subscription server closed');
  });
});
