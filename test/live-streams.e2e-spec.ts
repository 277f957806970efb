import { createProject, registerUser, type TestUser } from './support/factories';
import { gql, ok } from './support/graphql-client';
import { startTestApp, type TestApp } from './support/test-app';
import { firstWhileTriggering, LegacyClient, modernClient, subscribeModern } from './support/ws-clients';

/**
 * A live stream ends, with an error that says why, once its subscriber loses access: the guard
 * authorized it when it opened, and the access helper keeps re-checking while it stays open.
 */
const EVENTS = 'subscription ($p: ID!) { projectEvents(projectId: $p) { name payload } }';
const RENAME = 'mutation ($input: UpdateProjectInput!) { updateProject(input: $input) { name } }';
const ASSIGN = 'mutation ($input: AssignRoleInput!) { assignRole(input: $input) { id } }';
const REMOVE = 'mutation ($input: RemoveRoleInput!) { removeRole(input: $input) }';
const LOGOUT = 'mutation { logout }';

interface EventData {
  projectEvents: { name: string; payload: Record<string, unknown> };
}

const codeOfStreamError = (error: unknown): unknown =>
  (Array.isArray(error) ? error[0] : error)?.extensions?.code ?? (error as { message?: string })?.message;

describe('live streams end when access ends', () => {
  let api: TestApp;
  let owner: TestUser;
  let project: { id: string };

  const rename = (name: string) => gql(api.url, RENAME, { input: { id: project.id, name } }, owner.accessToken);
  const member = async (): Promise<TestUser> => {
    const user = await registerUser(api.url);
    ok(
      await gql(
        api.url,
        ASSIGN,
        { input: { projectId: project.id, userId: user.id, roleId: 'viewer' } },
        owner.accessToken,
      ),
    );
    return user;
  };
  const removeViewer = async (user: TestUser) =>
    ok(
      await gql(
        api.url,
        REMOVE,
        { input: { projectId: project.id, userId: user.id, roleId: 'viewer' } },
        owner.accessToken,
      ),
    );

  beforeAll(async () => {
    api = await startTestApp({ LIVE_STREAM_RECHECK_SECONDS: '1' });
    owner = await registerUser(api.url);
    project = await createProject(api.url, owner.accessToken);
  });

  afterAll(async () => {
    await api?.close();
  });

  it('ends a graphql-ws stream with FORBIDDEN once the subscriber no longer holds project:read', async () => {
    const viewer = await member();
    const client = modernClient(api.wsUrl, viewer.accessToken);
    const events = subscribeModern<EventData>(client, EVENTS, { p: project.id });
    try {
      expect(await firstWhileTriggering(events, async (n) => ok(await rename(`Seen ${n}`)))).toBeDefined();

      await removeViewer(viewer);

      // No event needs to flow: the timed re-check ends the stream by itself.
      expect(codeOfStreamError(await events.error(5_000))).toBe('FORBIDDEN');
    } finally {
      events.close();
      await client.dispose();
    }
  });

  it('ends a stream with UNAUTHENTICATED once its session is signed out', async () => {
    const viewer = await member();
    const client = modernClient(api.wsUrl, viewer.accessToken);
    const events = subscribeModern<EventData>(client, EVENTS, { p: project.id });
    try {
      expect(await firstWhileTriggering(events, async (n) => ok(await rename(`Watched ${n}`)))).toBeDefined();

      ok(await gql(api.url, LOGOUT, {}, viewer.accessToken));

      expect(codeOfStreamError(await events.error(5_000))).toBe('UNAUTHENTICATED');
    } finally {
      events.close();
      await client.dispose();
    }
  });

  it('ends a legacy-protocol stream with an error carrying FORBIDDEN', async () => {
    const viewer = await member();
    const client = new LegacyClient(api.wsUrl);
    await client.opened;
    try {
      client.send({ type: 'connection_init', payload: { authToken: viewer.accessToken } });
      await client.expect(['connection_ack']);
      client.send({ id: '1', type: 'start', payload: { query: EVENTS, variables: { p: project.id } } });
      let data: unknown;
      for (let attempt = 0; attempt < 20 && !data; attempt += 1) {
        ok(await rename(`Legacy ${attempt}`));
        data = await client.expect(['data'], 250).catch(() => undefined);
      }
      expect(data).toBeDefined();

      await removeViewer(viewer);

      const ended = await client.expect(['error'], 5_000);
      expect(ended.id).toBe('1');
      expect(ended.payload?.extensions?.code).toBe('FORBIDDEN');
    } finally {
      client.close();
    }
  });

  it('keeps streaming to a subscriber who still has access', async () => {
    const client = modernClient(api.wsUrl, owner.accessToken);
    const events = subscribeModern<EventData>(client, EVENTS, { p: project.id });
    try {
      expect(await firstWhileTriggering(events, async (n) => ok(await rename(`Owner ${n}`)))).toBeDefined();
      // Several re-check intervals pass; the owner's stream stays open and keeps delivering.
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      const later = await firstWhileTriggering(events, async (n) => ok(await rename(`Still ${n}`)));
      expect(later?.projectEvents.name).toBe('project.updated');
      await expect(events.error(200)).rejects.toThrow('No subscription error');
    } finally {
      events.close();
      await client.dispose();
    }
  });
});
