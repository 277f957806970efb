import { assignRole, createProject, registerUser, type TestUser } from './support/factories';
import { ok, waitFor } from './support/graphql-client';
import { operations, PROJECT_EVENTS, subscribeProjectEvents, type Operations } from './support/operations';
import { startTestApp, type TestApp } from './support/test-app';
import { firstWhileTriggering, LegacyClient, modernClient } from './support/ws-clients';

/**
 * A live stream ends, with an error that says why, once its subscriber loses access: the guard
 * authorized it when it opened, and the access helper keeps re-checking while it stays open.
 */

const codeOfStreamError = (error: unknown): unknown =>
  (Array.isArray(error) ? error[0] : error)?.extensions?.code ?? (error as { message?: string })?.message;

describe('live streams end when access ends', () => {
  let api: TestApp;
  let sut: Operations;
  let owner: TestUser;
  let project: { id: string };

  const rename = async (name: string) => ok(await sut.projects.update(owner.accessToken, { id: project.id, name }));
  const viewer = async (): Promise<TestUser> => {
    const user = await registerUser(api.url);
    await assignRole(api.url, owner.accessToken, { projectId: project.id, userId: user.id, roleId: 'viewer' });
    return user;
  };
  const removeViewer = async (user: TestUser) =>
    ok(await sut.access.removeRole(owner.accessToken, { projectId: project.id, userId: user.id, roleId: 'viewer' }));

  beforeAll(async () => {
    api = await startTestApp({ LIVE_STREAM_RECHECK_SECONDS: '1' });
    sut = operations(api.url);
    owner = await registerUser(api.url);
    project = await createProject(api.url, owner.accessToken);
  });

  afterAll(async () => {
    await api?.close();
  });

  it('ends a graphql-ws stream with FORBIDDEN once the subscriber no longer holds project:read', async () => {
    const member = await viewer();
    const client = modernClient(api.wsUrl, member.accessToken);
    const events = subscribeProjectEvents(client, { projectId: project.id });
    try {
      expect(await firstWhileTriggering(events, (n) => rename(`Seen ${n}`))).toBeDefined();

      await removeViewer(member);

      // No event needs to flow: the timed re-check ends the stream by itself.
      expect(codeOfStreamError(await events.error(5_000))).toBe('FORBIDDEN');
      const ended = await waitFor(
        async () =>
          ok(
            await sut.audit.logs(owner.accessToken, { projectId: project.id, operation: 'subscription.projectEvents' }),
          ).auditLogs.edges.find((e) => e.node.actorId === member.id)?.node,
        5_000,
        'the audit entry of the ended stream',
      );
      expect(ended).toMatchObject({ outcome: 'DENIED', errorCode: 'FORBIDDEN', projectId: project.id });
    } finally {
      events.close();
      await client.dispose();
    }
  });

  it('ends a stream with UNAUTHENTICATED once its session is signed out', async () => {
    const member = await viewer();
    const client = modernClient(api.wsUrl, member.accessToken);
    const events = subscribeProjectEvents(client, { projectId: project.id });
    try {
      expect(await firstWhileTriggering(events, (n) => rename(`Watched ${n}`))).toBeDefined();

      ok(await sut.auth.logout(member.accessToken));

      expect(codeOfStreamError(await events.error(5_000))).toBe('UNAUTHENTICATED');
    } finally {
      events.close();
      await client.dispose();
    }
  });

  it('ends a legacy-protocol stream with an error carrying FORBIDDEN', async () => {
    const member = await viewer();
    const client = new LegacyClient(api.wsUrl);
    await client.opened;
    try {
      client.send({ type: 'connection_init', payload: { authToken: member.accessToken } });
      await client.expect(['connection_ack']);
      client.send({ id: '1', type: 'start', payload: { query: PROJECT_EVENTS, variables: { projectId: project.id } } });
      let data: unknown;
      for (let attempt = 0; attempt < 20 && !data; attempt += 1) {
        await rename(`Legacy ${attempt}`);
        data = await client.expect(['data'], 250).catch(() => undefined);
      }
      expect(data).toBeDefined();

      await removeViewer(member);

      const ended = await client.expect(['error'], 5_000);
      expect(ended.id).toBe('1');
      expect(ended.payload?.extensions?.code).toBe('FORBIDDEN');
    } finally {
      client.close();
    }
  });

  it('keeps streaming to a subscriber who still has access', async () => {
    const client = modernClient(api.wsUrl, owner.accessToken);
    const events = subscribeProjectEvents(client, { projectId: project.id });
    try {
      expect(await firstWhileTriggering(events, (n) => rename(`Owner ${n}`))).toBeDefined();
      // Several re-check intervals pass; the owner's stream stays open and keeps delivering.
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      const later = await firstWhileTriggering(events, (n) => rename(`Still ${n}`));
      expect(later?.projectEvents.name).toBe('project.updated');
      await expect(events.error(200)).rejects.toThrow('No subscription error');
    } finally {
      events.close();
      await client.dispose();
    }
  });
});
