import { codeOf, ok } from './support/graphql-client';
import { assignRole, createProject, createRole, registerUser, type TestUser } from './support/factories';
import {
  ASSIGN_ROLE,
  ME,
  operations,
  PROJECT_EVENTS,
  ROLES,
  subscribeProjectEvents,
  type Operations,
} from './support/operations';
import { startTestApp, type TestApp } from './support/test-app';
import { firstWhileTriggering, LegacyClient, modernClient, runOverWebSocket } from './support/ws-clients';
import WebSocket from 'ws';

describe('GraphQL subscriptions over WebSocket', () => {
  let api: TestApp;
  let ops: Operations;
  let owner: TestUser;
  let project: { id: string };

  const rename = (name: string, token = owner.accessToken) => ops.projects.update(token, { id: project.id, name });

  beforeAll(async () => {
    api = await startTestApp();
    ops = operations(api.url);
    owner = await registerUser(api.url);
    project = await createProject(api.url, owner.accessToken);
  });

  afterAll(async () => {
    await api?.close();
  });

  it('streams project events to a graphql-ws client authenticated by connection params', async () => {
    const client = modernClient(api.wsUrl, owner.accessToken);
    const events = subscribeProjectEvents(client, { projectId: project.id });
    try {
      // The subscription is registered asynchronously; keep renaming until the first event lands.
      const event = await firstWhileTriggering(events, async (attempt) => ok(await rename(`Live ${attempt}`)), 20);
      expect(event?.projectEvents).toMatchObject({
        name: 'project.updated',
        projectId: project.id,
        actorId: owner.id,
      });
      ok(await rename('Live final'));
      const next = await events.next();
      expect(next.projectEvents.payload).toMatchObject({ name: 'Live final' });
    } finally {
      events.close();
      await client.dispose();
    }
  });

  it('delivers to a subscriber that spells the project id in upper case', async () => {
    const client = modernClient(api.wsUrl, owner.accessToken);
    const events = subscribeProjectEvents(client, { projectId: project.id.toUpperCase() });
    try {
      const event = await firstWhileTriggering(events, async (attempt) => ok(await rename(`Upper ${attempt}`)), 20);
      expect(event?.projectEvents.projectId).toBe(project.id);
    } finally {
      events.close();
      await client.dispose();
    }
  });

  it('refuses a subscription sent over HTTP, where it would bypass the WebSocket path', async () => {
    const res = await ops.projects.events(owner.accessToken, { projectId: project.id });
    expect(codeOf(res)).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.extensions?.reason).toBe('SUBSCRIPTION_OVER_HTTP');
  });

  it('refuses a subscription over HTTP before running anything, and inside a mixed document too', async () => {
    const alone = await ops.projects.events(owner.accessToken, { projectId: project.id });
    expect(alone.status).toBe(400);
    expect(alone.data).toBeUndefined();

    const response = await fetch(api.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.accessToken}` },
      body: JSON.stringify({
        query: `query Me { me { id } } subscription Events($projectId: ID!) { projectEvents(projectId: $projectId) { name } }`,
        operationName: 'Events',
        variables: { projectId: project.id },
      }),
    });
    const mixed = (await response.json()) as { errors?: { extensions?: Record<string, unknown> }[] };
    expect(mixed.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'SUBSCRIPTION_OVER_HTTP' });
  });

  it('re-checks the session of a WebSocket on every operation, so a logout ends it', async () => {
    const user = await registerUser(api.url);
    const client = modernClient(api.wsUrl, user.accessToken, { lazy: false });
    try {
      const before = await runOverWebSocket(client, ME);
      expect({ me: { id: before.data?.me?.id } }).toEqual({ me: { id: user.id } });
      ok(await ops.auth.logout(user.accessToken));
      const after = await runOverWebSocket(client, ME);
      expect(after.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    } finally {
      await client.dispose();
    }
  });

  it('keeps concurrent operations on one WebSocket from borrowing each other’s permissions', async () => {
    // The user may assign roles in project A (custom role) and owns project B.
    const user = await registerUser(api.url);
    const assigner = await createRole(api.url, owner.accessToken, project.id, {
      name: `Assigner ${user.id.slice(-4)}`,
      permissions: ['PROJECT_READ', 'ROLE_READ', 'ROLE_ASSIGN'],
    });
    await assignRole(api.url, owner.accessToken, { projectId: project.id, userId: user.id, roleId: assigner.id });
    const own = await createProject(api.url, user.accessToken);
    const client = modernClient(api.wsUrl, user.accessToken);
    try {
      const escalation = runOverWebSocket(client, ASSIGN_ROLE, {
        input: { projectId: project.id, userId: user.id, roleId: 'owner' },
      });
      const noise = Array.from({ length: 10 }, () => runOverWebSocket(client, ROLES, { projectId: own.id }));
      const [result] = await Promise.all([escalation, ...noise]);
      expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const check = ok(
        await ops.access.checkPermission(owner.accessToken, {
          projectId: project.id,
          userId: user.id,
          permission: 'PROJECT_DELETE',
        }),
      );
      expect(check.checkPermission.allowed).toBe(false);
    } finally {
      await client.dispose();
    }
  });

  it('refuses a subscription without credentials with UNAUTHENTICATED', async () => {
    const client = modernClient(api.wsUrl);
    const events = subscribeProjectEvents(client, { projectId: project.id });
    try {
      const errors = (await events.error()) as { extensions?: { code?: string } }[];
      expect(errors[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    } finally {
      events.close();
      await client.dispose();
    }
  });

  it('refuses a non-member with FORBIDDEN and a malformed id with BAD_USER_INPUT', async () => {
    const stranger = await registerUser(api.url);
    const client = modernClient(api.wsUrl, stranger.accessToken);
    try {
      const denied = subscribeProjectEvents(client, { projectId: project.id });
      const errors = (await denied.error()) as { extensions?: { code?: string } }[];
      expect(errors[0]?.extensions?.code).toBe('FORBIDDEN');
      const malformed = subscribeProjectEvents(client, { projectId: 'not-an-id' });
      const bad = (await malformed.error()) as { extensions?: { code?: string } }[];
      expect(bad[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    } finally {
      await client.dispose();
    }
  });

  it('closes a connection whose token is forged', async () => {
    const socket = new WebSocket(api.wsUrl, 'graphql-transport-ws');
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.once('open', () =>
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: 'Bearer forged.token.value' } })),
    );
    expect(await closed).toBe(4403);
  });

  it('rejects a WebSocket upgrade that offers no GraphQL subprotocol', async () => {
    const socket = new WebSocket(api.wsUrl, 'chat');
    const outcome = await new Promise<string>((resolve) => {
      socket.once('open', () => resolve('open'));
      socket.once('unexpected-response', (_req, res) => resolve(`http ${res.statusCode}`));
      socket.once('error', (error) => resolve(`error ${error.message}`));
    });
    expect(outcome).not.toBe('open');
    socket.terminate();
  });

  it('speaks the legacy subscriptions-transport-ws protocol for GraphQL Playground clients', async () => {
    const client = new LegacyClient(api.wsUrl);
    await client.opened;
    expect(client.socket.protocol).toBe('graphql-ws');
    try {
      client.send({ type: 'connection_init', payload: { authToken: owner.accessToken } });
      await client.expect(['connection_ack']);
      client.send({ id: '1', type: 'start', payload: { query: PROJECT_EVENTS, variables: { projectId: project.id } } });
      let data: any;
      for (let attempt = 0; attempt < 20 && !data; attempt += 1) {
        ok(await rename(`Legacy ${attempt}`));
        data = await client.expect(['data'], 250).catch(() => undefined);
      }
      expect(data?.id).toBe('1');
      expect(data?.payload?.data?.projectEvents).toMatchObject({ name: 'project.updated', projectId: project.id });
      client.send({ id: '1', type: 'stop' });
      await client.expect(['complete']);
    } finally {
      client.close();
    }
  });

  it('reports legacy-protocol errors with stable codes', async () => {
    const client = new LegacyClient(api.wsUrl);
    await client.opened;
    try {
      client.send({ type: 'connection_init', payload: {} });
      await client.expect(['connection_ack']);
      client.send({ id: '9', type: 'start', payload: { query: PROJECT_EVENTS, variables: { projectId: project.id } } });
      const message = await client.expect(['error', 'data']);
      const errors = message.type === 'error' ? message.payload : message.payload.errors;
      const list = Array.isArray(errors) ? errors : [errors];
      expect(list[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    } finally {
      client.close();
    }
  });

  it('stops delivering to a subscriber whose access was taken away', async () => {
    const member = await registerUser(api.url);
    await assignRole(api.url, owner.accessToken, { projectId: project.id, userId: member.id, roleId: 'viewer' });
    const client = modernClient(api.wsUrl, member.accessToken);
    const events = subscribeProjectEvents(client, { projectId: project.id });
    try {
      const first = await firstWhileTriggering(events, async (attempt) => ok(await rename(`Watched ${attempt}`)), 20);
      expect(first).toBeDefined();
      ok(
        await ops.access.removeRole(owner.accessToken, { projectId: project.id, userId: member.id, roleId: 'viewer' }),
      );
      // The stream re-checks permissions at most every few seconds; after that nothing arrives.
      await new Promise((resolve) => setTimeout(resolve, 5_500));
      ok(await rename('After removal'));
      const drained: string[] = [];
      for (;;) {
        const item = await events.next(500).catch(() => undefined);
        if (!item) break;
        drained.push(String(item.projectEvents.payload.name ?? item.projectEvents.name));
      }
      expect(drained).not.toContain('After removal');
    } finally {
      events.close();
      await client.dispose();
    }
  });

  it('answers an anonymous query for the project with UNAUTHENTICATED', async () => {
    const res = await ops.projects.get(undefined, { id: project.id });
    expect(codeOf(res)).toBe('UNAUTHENTICATED');
  });
});
