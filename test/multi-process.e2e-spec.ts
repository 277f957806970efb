import { codeOf, gql, ok, waitFor } from './support/graphql-client';
import { startChildApi, type ChildApi } from './support/child-api';
import { createProject, registerUser } from './support/factories';
import { startTestApp, testEnv, type TestApp } from './support/test-app';
import { firstWhileTriggering, modernClient, subscribeModern } from './support/ws-clients';

interface EventData {
  projectEvents: { name: string; payload: Record<string, unknown> };
}

/**
 * Two API processes share MongoDB and Redis and nothing else: what one publishes, a subscriber
 * on the other receives. The second process is the compiled server in its own OS process.
 */
describe('scale-out across API processes', () => {
  let first: TestApp;
  let second: ChildApi;

  beforeAll(async () => {
    first = await startTestApp({ PROCESS_ROLE: 'api' });
    second = await startChildApi({ ...testEnv({ PROCESS_ROLE: 'api', PORT: '0' }), NODE_ENV: 'production' });
  });

  afterAll(async () => {
    await second?.stop();
    await first?.close();
  });

  it('delivers an event published by one process to a subscription opened on the other', async () => {
    const owner = await registerUser(first.url);
    const project = await createProject(first.url, owner.accessToken);
    // The token minted by the first process is accepted by the second: sessions live in MongoDB.
    const seen = ok(
      await gql<{ project: { id: string } }>(
        second.url,
        'query ($id: ID!) { project(id: $id) { id } }',
        { id: project.id },
        owner.accessToken,
      ),
    );
    expect(seen.project.id).toBe(project.id);

    const client = modernClient(second.wsUrl, owner.accessToken);
    const events = subscribeModern<EventData>(
      client,
      'subscription ($p: ID!) { projectEvents(projectId: $p) { name payload } }',
      { p: project.id },
    );
    try {
      const event = await firstWhileTriggering(
        events,
        async (attempt) =>
          ok(
            await gql(
              first.url,
              'mutation ($input: UpdateProjectInput!) { updateProject(input: $input) { id } }',
              { input: { id: project.id, name: `From process one ${attempt}` } },
              owner.accessToken,
            ),
          ),
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
    ok(
      await gql(
        first.url,
        'mutation ($input: AssignRoleInput!) { assignRole(input: $input) { id } }',
        { input: assign },
        owner.accessToken,
      ),
    );
    const read = () =>
      gql(second.url, 'query ($id: ID!) { project(id: $id) { id } }', { id: project.id }, member.accessToken);
    // The second process now holds the member's permissions and session in its caches.
    expect(ok(await read()).project).toEqual({ id: project.id });

    ok(
      await gql(
        first.url,
        'mutation ($input: RemoveRoleInput!) { removeRole(input: $input) }',
        { input: assign },
        owner.accessToken,
      ),
    );
    const denied = await waitFor(
      async () => codeOf(await read()) === 'FORBIDDEN',
      2_000,
      'the role removal to reach the second process',
    );
    expect(denied).toBe(true);

    ok(
      await gql(
        first.url,
        'mutation ($input: AssignRoleInput!) { assignRole(input: $input) { id } }',
        { input: assign },
        owner.accessToken,
      ),
    );
    await waitFor(
      async () => (await read()).data?.project !== undefined,
      2_000,
      'the new role to reach the second process',
    );
    ok(await gql(first.url, 'mutation { logout }', {}, member.accessToken));
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
    const read = () =>
      gql<{ project: { name: string } }>(
        second.url,
        'query ($id: ID!) { project(id: $id) { name } }',
        { id: project.id },
        owner.accessToken,
      );
    expect(ok(await read()).project.name).toBe('Before');
    ok(
      await gql(
        first.url,
        'mutation ($input: UpdateProjectInput!) { updateProject(input: $input) { id } }',
        { input: { id: project.id, name: 'After' } },
        owner.accessToken,
      ),
    );
    await waitFor(
      async () => (await read()).data?.project.name === 'After',
      2_000,
      'the rename to reach the second process',
    );
    ok(
      await gql(
        first.url,
        'mutation ($input: DeleteProjectInput!) { deleteProject(input: $input) }',
        { input: { id: project.id } },
        owner.accessToken,
      ),
    );
    await waitFor(async () => codeOf(await read()) === 'NOT_FOUND', 2_000, 'the deletion to reach the second process');
  });

  it('shuts the second process down cleanly on SIGTERM', async () => {
    const { code, signal } = await second.stop();
    // Nest closes the app, then re-raises the signal so the exit status tells what ended it.
    expect(code === 0 || signal === 'SIGTERM').toBe(true);
    expect(second.output()).toContain('Subscription server closed');
  });
});
