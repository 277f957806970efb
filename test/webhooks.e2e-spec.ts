import { getConnectionToken, getModelToken } from '@nestjs/mongoose';
import { Types, type Connection, type Model } from 'mongoose';
import { Webhook as StandardWebhook, WebhookVerificationError } from 'standardwebhooks';
import { TestDnsServer } from './support/dns-server';
import { assignRole, createProject, registerUser, type TestUser } from './support/factories';
import { codeOf, ok, reasonOf, waitFor } from './support/graphql-client';
import { ProjectDeletedEvent } from '../src/projects/events/project-deleted.event';
import { WebhookDeliveryRecord } from '../src/webhooks/webhook-delivery.schema';
import { WebhookDeliveryService } from '../src/webhooks/webhook-delivery.service';
import { WebhookOutboxService } from '../src/webhooks/webhook-outbox.service';
import { operations, unchecked, type Project, type WebhookDelivery } from './support/operations';
import { startTestApp, type TestApp } from './support/test-app';
import { WebhookReceiver, type ReceivedHook } from './support/webhook-receiver';

/** Verifies a received request with the official Standard Webhooks library, nothing of the platform's. */
function verify(
  secret: string,
  hook: ReceivedHook,
): { type: string; timestamp: string; data: Record<string, unknown> } {
  return new StandardWebhook(secret).verify(hook.body, hook.headers) as {
    type: string;
    timestamp: string;
    data: Record<string, unknown>;
  };
}

const RECEIVER_HOST = '127.0.0.7';

describe('webhooks', () => {
  let api: TestApp;
  let dns: TestDnsServer;
  const receiver = new WebhookReceiver(RECEIVER_HOST);
  let on: ReturnType<typeof operations>;
  let owner: TestUser;
  let project: Project;

  beforeAll(async () => {
    dns = await new TestDnsServer().start();
    await receiver.start();
    api = await startTestApp({
      DNS_RESOLVERS: dns.address,
      DNS_TIMEOUT_MS: '2000',
      WEBHOOK_ALLOWED_ADDRESSES: RECEIVER_HOST,
      WEBHOOK_TIMEOUT_MS: '1500',
      WEBHOOK_RETRY_SCHEDULE: Array.from({ length: 40 }, () => '250ms').join(','),
      WEBHOOK_SWEEP_INTERVAL_MS: '500',
      WEBHOOK_DISABLE_AFTER: '1h',
    });
    on = operations(api.url);
    owner = await registerUser(api.url);
    project = await createProject(api.url, owner.accessToken);
  });

  afterAll(async () => {
    await api?.close();
    await receiver.close();
    await dns?.close();
  });

  beforeEach(() => {
    receiver.answer = () => ({ status: 204 });
  });

  const create = async (path: string, events: string[], projectId = project.id, url = receiver.url(path)) =>
    ok(await on.webhooks.create(owner.accessToken, { projectId, url, events })).createWebhook;

  const deliveries = async (
    webhookId: string,
    extra: { status?: 'PENDING' | 'SUCCEEDED' | 'FAILED'; event?: string } = {},
  ) =>
    ok(
      await on.webhooks.deliveries(owner.accessToken, { webhookId, first: 100, ...extra }),
    ).webhookDeliveries.edges.map((edge) => edge.node);

  const settled = (webhookId: string, eventId: string, timeoutMs = 20_000): Promise<WebhookDelivery> =>
    waitFor(
      async () => (await deliveries(webhookId)).find((d) => d.eventId === eventId && d.status !== 'PENDING'),
      timeoutMs,
      `delivery ${eventId} to finish`,
    );

  const rename = async (name: string, projectId = project.id): Promise<void> => {
    ok(await on.projects.update(owner.accessToken, { id: projectId, name }));
  };

  const db = (): Connection => api.app.get<Connection>(getConnectionToken());

  /** A pending delivery written straight to the database: no job carries it, as when its job was lost. */
  const pendingDelivery = (webhookId: string, eventId: string, nextAttemptAt: Date) => ({
    webhookId: new Types.ObjectId(webhookId),
    projectId: new Types.ObjectId(project.id),
    eventId,
    event: 'x.y',
    round: 0,
    orderAt: nextAttemptAt,
    orderKey: new Types.ObjectId(),
    status: 'PENDING',
    attempts: 0,
    nextAttemptAt,
    attemptLog: [],
    finishedAt: null,
    createdAt: new Date(),
  });

  it('signs every delivery so that the official library verifies it, for real events and pings', async () => {
    const { webhook, secret } = await create('/signed', ['project.updated']);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(secret.slice(6), 'base64').length).toBeGreaterThanOrEqual(24);
    expect(webhook).toMatchObject({ url: receiver.url('/signed'), events: ['project.updated'], enabled: true });

    await rename('Signed project');
    const ping = ok(await on.webhooks.test(owner.accessToken, { id: webhook.id })).testWebhook;
    expect(ping).toMatchObject({
      webhookId: webhook.id,
      event: 'webhook.ping',
      eventId: expect.stringMatching(/^msg_/),
    });

    await waitFor(async () => receiver.at('/signed').length >= 2, 15_000, 'two deliveries');
    const [first, second] = receiver.at('/signed');
    const event = verify(secret, first!);
    expect(event).toMatchObject({
      type: 'project.updated',
      data: { name: 'Signed project', projectId: project.id, actorId: owner.id },
    });
    expect(new Date(event.timestamp).getTime()).not.toBeNaN();
    expect(first!.headers['webhook-id']).toMatch(/^msg_/);
    expect(first!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(verify(secret, second!)).toMatchObject({ type: 'webhook.ping', data: { webhookId: webhook.id } });
    expect(second!.headers['webhook-id']).toBe(ping.eventId);
    // Another secret does not verify: the signature is really over this secret.
    const other = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    expect(() => verify(other, first!)).toThrow(WebhookVerificationError);

    const done = await settled(webhook.id, ping.eventId);
    expect(done).toMatchObject({ status: 'SUCCEEDED', attempts: 1, lastAttempt: { statusCode: 204, errorCode: null } });
    // The secret is in no answer but creation's.
    const listed = ok(await on.webhooks.list(owner.accessToken, { projectId: project.id }));
    expect(JSON.stringify(listed)).not.toContain(secret.slice(6));
    expect(JSON.stringify(await deliveries(webhook.id))).not.toContain(secret.slice(6));
    ok(await on.webhooks.delete(owner.accessToken, { id: webhook.id }));
  }, 40_000);

  it('sends only the events a pattern matches: names, families and *', async () => {
    const otherProject = await createProject(api.url, owner.accessToken);
    const family = await create('/family', ['project.*'], otherProject.id);
    const exact = await create('/exact', ['settings.updated'], otherProject.id);
    const everything = await create('/all', ['*'], otherProject.id);
    await rename('Patterns', otherProject.id);
    await waitFor(
      async () => receiver.at('/family').length >= 1 && receiver.at('/all').length >= 1,
      15_000,
      'deliveries',
    );
    expect(verify(family.secret, receiver.at('/family')[0]!).type).toBe('project.updated');
    const everythingTypes = receiver.at('/all').map((hook) => verify(everything.secret, hook).type);
    expect(everythingTypes).toContain('project.updated');
    // The exact pattern matched nothing yet; its ping still comes.
    const ping = ok(await on.webhooks.test(owner.accessToken, { id: exact.webhook.id })).testWebhook;
    await settled(exact.webhook.id, ping.eventId);
    expect(receiver.at('/exact').map((hook) => verify(exact.secret, hook).type)).toEqual(['webhook.ping']);
    for (const hook of [family, exact, everything])
      ok(await on.webhooks.delete(owner.accessToken, { id: hook.webhook.id }));
  }, 40_000);

  it('delivers every event to an endpoint that was down, in order of creation, none lost, ids kept across retries', async () => {
    const downProject = await createProject(api.url, owner.accessToken);
    const down = new WebhookReceiver(RECEIVER_HOST);
    await down.start();
    const { port } = down;
    const { webhook, secret } = await create('/ordered', ['project.updated'], downProject.id, down.url('/ordered'));
    await down.close();
    // Closed port first, then 500s, then up.
    const names = Array.from({ length: 6 }, (_, i) => `Ordered ${i}`);
    for (const name of names.slice(0, 3)) await rename(name, downProject.id);
    await waitFor(
      async () =>
        (await deliveries(webhook.id)).some((d) => d.attemptHistory.some((a) => a.errorCode === 'ECONNREFUSED')),
      15_000,
      'an attempt to find the port closed',
    );
    const back = new WebhookReceiver(RECEIVER_HOST);
    back.port = port;
    back.answer = () => ({ status: 500, body: 'not now' });
    await back.start();
    try {
      for (const name of names.slice(3)) await rename(name, downProject.id);
      await waitFor(async () => back.received.length >= 3, 15_000, 'attempts answered 500');
      back.answer = () => ({ status: 200, body: 'ok' });
      const all = await waitFor(
        async () => {
          const list = await deliveries(webhook.id);
          return list.length === names.length && list.every((d) => d.status === 'SUCCEEDED') ? list : undefined;
        },
        30_000,
        'every delivery to succeed',
      );
      const events = back.received.map((hook) => ({ ...hook, event: verify(secret, hook) }));
      const succeeded = events.filter((hook) => hook.status === 200);
      expect(succeeded.map((hook) => hook.event.data.name)).toEqual(names);
      // No event was sent before the ones created earlier had succeeded.
      const order = events.map((hook) => names.indexOf(hook.event.data.name as string));
      expect(order).toEqual([...order].sort((a, b) => a - b));
      // Every attempt at one event carried the same webhook-id.
      for (const name of names) {
        const ids = new Set(
          events.filter((hook) => hook.event.data.name === name).map((hook) => hook.headers['webhook-id']),
        );
        expect(ids.size).toBe(1);
      }
      const first = all.find((d) => d.eventId === events[0]!.headers['webhook-id'])!;
      expect(first.attempts).toBeGreaterThan(1);
      expect(first.attemptHistory.map((a) => a.errorCode)).toEqual(
        expect.arrayContaining(['ECONNREFUSED', 'HTTP_STATUS', null]),
      );
      expect(first.attemptHistory.find((a) => a.statusCode === 500)).toMatchObject({ responseBody: 'not now' });
      // Filters.
      expect(await deliveries(webhook.id, { status: 'PENDING' })).toEqual([]);
      expect((await deliveries(webhook.id, { event: 'project.updated' })).length).toBe(names.length);
      expect(await deliveries(webhook.id, { event: 'webhook.ping' })).toEqual([]);
      const page = ok(
        await on.webhooks.deliveries(owner.accessToken, { webhookId: webhook.id, first: 2 }),
      ).webhookDeliveries;
      expect(page.edges).toHaveLength(2);
      expect(page.pageInfo.hasNextPage).toBe(true);
      const next = ok(
        await on.webhooks.deliveries(owner.accessToken, {
          webhookId: webhook.id,
          first: 2,
          after: page.pageInfo.endCursor,
        }),
      ).webhookDeliveries;
      expect(next.edges[0]!.node.id).not.toBe(page.edges[1]!.node.id);

      // A redelivery sends the same event again, with the same id.
      const again = ok(await on.webhooks.redeliver(owner.accessToken, { deliveryId: first.id })).redeliverWebhook;
      expect(again).toMatchObject({ eventId: first.eventId, status: 'PENDING' });
      expect(again.id).not.toBe(first.id);
      await waitFor(async () => (await deliveries(webhook.id, { status: 'SUCCEEDED' })).length === names.length + 1);
      expect(back.received.at(-1)!.headers['webhook-id']).toBe(first.eventId);
    } finally {
      await back.close();
    }
  }, 90_000);

  it("wakes an endpoint whose job was lost however large another endpoint's backlog is", async () => {
    // A disabled endpoint with thousands of due deliveries, older than anything else.
    const held = await create('/held', ['x.y']);
    ok(await on.webhooks.update(owner.accessToken, { id: held.webhook.id, enabled: false }));
    const longAgo = new Date(Date.now() - 3_600_000);
    await db()
      .collection('webhook_deliveries')
      .insertMany(Array.from({ length: 2_500 }, (_, i) => pendingDelivery(held.webhook.id, `msg_held_${i}`, longAgo)));

    // Another endpoint's event, recorded and dispatched, whose job never ran.
    const lost = await create('/lost', ['x.y']);
    const eventId = `msg_${new Types.ObjectId().toHexString()}lost`;
    const recordedAt = new Date(Date.now() - 60_000);
    await db()
      .collection('webhook_messages')
      .insertOne({
        eventId,
        projectId: new Types.ObjectId(project.id),
        type: 'x.y',
        body: JSON.stringify({ type: 'x.y', timestamp: recordedAt.toISOString(), data: {} }),
        webhookIds: [new Types.ObjectId(lost.webhook.id)],
        recordedAt,
        dispatchedAt: recordedAt,
      });
    await db()
      .collection('webhook_deliveries')
      .insertOne(pendingDelivery(lost.webhook.id, eventId, recordedAt));

    expect(await settled(lost.webhook.id, eventId)).toMatchObject({ status: 'SUCCEEDED', attempts: 1 });
    expect(receiver.at('/lost').map((hook) => hook.headers['webhook-id'])).toEqual([eventId]);
    // The disabled endpoint was sent nothing.
    expect(receiver.at('/held')).toEqual([]);
    for (const hook of [held, lost]) ok(await on.webhooks.delete(owner.accessToken, { id: hook.webhook.id }));
  }, 40_000);

  it('makes the worker holding an endpoint look again when a job for it finds it held', async () => {
    const { webhook } = await create('/leased', ['x.y']);
    const hooks = db().collection('webhooks');
    const _id = new Types.ObjectId(webhook.id);
    // Another worker is delivering to the endpoint; it let go of nothing yet.
    await hooks.updateOne(
      { _id },
      { $set: { leaseOwner: 'another-worker', leaseUntil: new Date(Date.now() + 60_000) } },
    );
    const { kicks } = (await hooks.findOne({ _id }))!;
    // A retry job falls due meanwhile, carrying the head the holder could not queue again.
    const eventId = `msg_${new Types.ObjectId().toHexString()}leased`;
    const recordedAt = new Date(Date.now() - 60_000);
    await db()
      .collection('webhook_messages')
      .insertOne({
        eventId,
        projectId: new Types.ObjectId(project.id),
        type: 'x.y',
        body: JSON.stringify({ type: 'x.y', timestamp: recordedAt.toISOString(), data: {} }),
        webhookIds: [_id],
        recordedAt,
        dispatchedAt: recordedAt,
      });
    await db()
      .collection('webhook_deliveries')
      .insertOne(pendingDelivery(webhook.id, eventId, recordedAt));
    const drainer = api.app.get(WebhookDeliveryService);
    expect(await drainer.drain(webhook.id)).toEqual({ attempted: 0 });

    // The holder lets go only when nothing was added since it looked: now it must look again.
    const release = await hooks.updateOne(
      { _id, leaseOwner: 'another-worker', kicks },
      { $set: { leaseOwner: null, leaseUntil: null } },
    );
    expect(release.matchedCount).toBe(0);
    // Once the endpoint is let go, the delivery is made.
    await hooks.updateOne({ _id }, { $set: { leaseOwner: null, leaseUntil: null } });
    expect(await settled(webhook.id, eventId)).toMatchObject({ status: 'SUCCEEDED', attempts: 1 });
    expect(receiver.at('/leased').map((hook) => hook.headers['webhook-id'])).toEqual([eventId]);
    ok(await on.webhooks.delete(owner.accessToken, { id: webhook.id }));
  }, 30_000);

  it('holds the endpoint limit under concurrent creation, and sends events to every endpoint however many', async () => {
    const crowded = await createProject(api.url, owner.accessToken);
    const projectId = new Types.ObjectId(crowded.id);
    const limit = api.config.WEBHOOKS_PER_PROJECT;
    const hooks = db().collection('webhooks');
    const copies = async (count: number): Promise<void> => {
      const template = (await hooks.findOne({ projectId }))!;
      await hooks.insertMany(Array.from({ length: count }, () => ({ ...template, _id: new Types.ObjectId() })));
      // Written behind the service's back: let it read the endpoints again.
      await api.app.get(WebhookOutboxService).forgetProject(crowded.id);
    };
    // One place left, and many asking for it at once.
    await create('/crowd', ['project.updated'], crowded.id);
    await copies(limit - 2);
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        on.webhooks.create(owner.accessToken, {
          projectId: crowded.id,
          url: receiver.url(`/crowd-${i}`),
          events: ['project.updated'],
        }),
      ),
    );
    const refused = answers.filter((answer) => answer.errors);
    expect(refused.map(reasonOf)).toEqual(refused.map(() => 'WEBHOOK_LIMIT_REACHED'));
    expect(refused.length).toBeGreaterThanOrEqual(29);
    expect(await hooks.countDocuments({ projectId })).toBe(limit - 1 + (30 - refused.length));

    // Endpoints past the limit (made when it was higher) still take every event.
    const total = limit + 15;
    await copies(total - (await hooks.countDocuments({ projectId })));
    await rename('Crowded', crowded.id);
    const message = await waitFor(
      () => db().collection('webhook_messages').findOne({ projectId, type: 'project.updated' }),
      15_000,
      'the event to be recorded',
    );
    expect(message!.webhookIds).toHaveLength(total);
    await hooks.deleteMany({ projectId });
    await api.app.get(WebhookOutboxService).forgetProject(crowded.id);
  }, 40_000);

  it('keeps events and finished deliveries for WEBHOOK_RETENTION_DAYS, pending ones until they finish', async () => {
    const retention = api.config.WEBHOOK_RETENTION_DAYS * 86_400_000;
    const { webhook } = await create('/retained', ['x.y']);
    const ping = ok(await on.webhooks.test(owner.accessToken, { id: webhook.id })).testWebhook;
    await settled(webhook.id, ping.eventId);
    const messages = db().collection('webhook_messages');
    const deliveriesOf = db().collection('webhook_deliveries');
    const message = (await messages.findOne({ eventId: ping.eventId }))!;
    expect(message.expiresAt.getTime()).toBe(message.recordedAt.getTime() + retention);
    const done = (await deliveriesOf.findOne({ eventId: ping.eventId }))!;
    expect(done.expiresAt.getTime()).toBe(done.finishedAt.getTime() + retention);
    // MongoDB removes them by these dates.
    for (const collection of [messages, deliveriesOf]) {
      expect(await collection.indexes()).toContainEqual(
        expect.objectContaining({ key: { expiresAt: 1 }, expireAfterSeconds: 0 }),
      );
    }

    // A redelivery keeps the event for the whole retention again, and waits pending, never expiring.
    const soon = new Date(Date.now() + 60_000);
    await messages.updateOne({ eventId: ping.eventId }, { $set: { expiresAt: soon } });
    const before = Date.now();
    const again = ok(await on.webhooks.redeliver(owner.accessToken, { deliveryId: ping.id })).redeliverWebhook;
    expect((await messages.findOne({ eventId: ping.eventId }))!.expiresAt.getTime()).toBeGreaterThanOrEqual(
      before + retention,
    );
    expect((await deliveriesOf.findOne({ _id: new Types.ObjectId(again.id) }))!.expiresAt).toBeNull();

    // Past its time, an event is gone even before MongoDB removes it.
    await messages.updateOne({ eventId: ping.eventId }, { $set: { expiresAt: new Date(Date.now() - 1_000) } });
    const refused = await on.webhooks.redeliver(owner.accessToken, { deliveryId: ping.id });
    expect([codeOf(refused), reasonOf(refused)]).toEqual(['NOT_FOUND', 'DELIVERY_NOT_FOUND']);
    ok(await on.webhooks.delete(owner.accessToken, { id: webhook.id }));
  }, 30_000);

  it('tells the caller of a ping whose delivery could not be made yet, and sends it all the same', async () => {
    const { webhook } = await create('/undispatched', ['x.y']);
    // MongoDB refuses the write of this endpoint's deliveries, once.
    const model = api.app.get<Model<WebhookDeliveryRecord>>(getModelToken(WebhookDeliveryRecord.name));
    const bulkWrite = model.bulkWrite.bind(model);
    let refusals = 0;
    const refusing = jest.spyOn(model, 'bulkWrite').mockImplementation(((
      ...args: Parameters<typeof model.bulkWrite>
    ) => {
      if (refusals === 0 && JSON.stringify(args[0]).includes(webhook.id)) {
        refusals += 1;
        return Promise.reject(new Error('not now'));
      }
      return bulkWrite(...args);
    }) as typeof model.bulkWrite);
    try {
      const response = await on.webhooks.test(owner.accessToken, { id: webhook.id });
      expect([codeOf(response), reasonOf(response)]).toEqual(['SERVICE_UNAVAILABLE', 'PING_NOT_DISPATCHED']);
      expect(response.errors![0]!.message).toContain('will be sent');
      expect(refusals).toBe(1);
    } finally {
      refusing.mockRestore();
    }
    // Recorded, so the sweep sends it.
    const sent = await waitFor(async () => receiver.at('/undispatched')[0], 20_000, 'the ping to be sent');
    expect(JSON.parse(sent.body)).toMatchObject({ type: 'webhook.ping', data: { webhookId: webhook.id } });
    ok(await on.webhooks.delete(owner.accessToken, { id: webhook.id }));
  }, 30_000);

  it('never records project.deleted for webhooks: the endpoints go with the project', async () => {
    const doomed = await createProject(api.url, owner.accessToken);
    const { webhook } = await create('/doomed', ['*'], doomed.id);
    const messages = db().collection('webhook_messages');
    const projectId = new Types.ObjectId(doomed.id);
    // Recorded as the bus hands it over, before the listener that removes the endpoints runs.
    const sink = api.app.get(WebhookOutboxService);
    await sink.record(new ProjectDeletedEvent(doomed.id, owner.id, doomed.name, doomed.slug));
    expect(await messages.countDocuments({ projectId, type: 'project.deleted' })).toBe(0);
    // Any other event of the project is recorded for the endpoint.
    await rename('Doomed', doomed.id);
    await waitFor(() => messages.findOne({ projectId, type: 'project.updated' }), 15_000, 'project.updated');

    ok(await on.projects.delete(owner.accessToken, { id: doomed.id }));
    await waitFor(async () => (await db().collection('webhooks').countDocuments({ projectId })) === 0, 15_000);
    expect(await messages.countDocuments({ projectId })).toBe(0);
    expect(receiver.at('/doomed').map((hook) => JSON.parse(hook.body).type)).not.toContain('project.deleted');
    expect(codeOf(await on.webhooks.get(owner.accessToken, { id: webhook.id }))).toBe('NOT_FOUND');
  }, 30_000);

  it('signs with both secrets during a rotation, and with the new one alone after', async () => {
    const { webhook, secret: oldSecret } = await create('/rotate', ['project.updated']);
    const rotated = ok(
      await on.webhooks.rotateSecret(owner.accessToken, { id: webhook.id, gracePeriodSeconds: 3600 }),
    ).rotateWebhookSecret;
    expect(rotated.secret).not.toBe(oldSecret);
    expect(rotated.webhook.previousSecretExpiresAt).not.toBeNull();
    const ping = ok(await on.webhooks.test(owner.accessToken, { id: webhook.id })).testWebhook;
    await settled(webhook.id, ping.eventId);
    const during = receiver.at('/rotate').at(-1)!;
    expect(during.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(verify(oldSecret, during).type).toBe('webhook.ping');
    expect(verify(rotated.secret, during).type).toBe('webhook.ping');

    const final = ok(
      await on.webhooks.rotateSecret(owner.accessToken, { id: webhook.id, gracePeriodSeconds: 0 }),
    ).rotateWebhookSecret;
    expect(final.webhook.previousSecretExpiresAt).toBeNull();
    const ping2 = ok(await on.webhooks.test(owner.accessToken, { id: webhook.id })).testWebhook;
    await settled(webhook.id, ping2.eventId);
    const after = receiver.at('/rotate').at(-1)!;
    expect(after.headers['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(verify(final.secret, after).type).toBe('webhook.ping');
    expect(() => verify(rotated.secret, after)).toThrow(WebhookVerificationError);
    expect(() => verify(oldSecret, after)).toThrow(WebhookVerificationError);
    ok(await on.webhooks.delete(owner.accessToken, { id: webhook.id }));
  }, 40_000);

  it('follows no redirect, cuts an attempt at the timeout, and keeps only the first 4 KiB of an answer', async () => {
    receiver.answer = (path) =>
      path === '/redirect'
        ? { status: 302, headers: { location: receiver.url('/elsewhere') } }
        : path === '/slow'
          ? 'hang'
          : path === '/big'
            ? { status: 200, body: 'x'.repeat(100_000) }
            : { status: 204 };
    const [redirect, slow, big] = await Promise.all(
      ['/redirect', '/slow', '/big'].map((path) => create(path, ['x.y'])),
    );
    const pings = await Promise.all(
      [redirect, slow, big].map(
        async (hook) => ok(await on.webhooks.test(owner.accessToken, { id: hook!.webhook.id })).testWebhook,
      ),
    );
    const firstAttempt = (webhookId: string, eventId: string) =>
      waitFor(async () => (await deliveries(webhookId)).find((d) => d.eventId === eventId)?.attemptHistory[0], 20_000);
    expect(await firstAttempt(redirect!.webhook.id, pings[0]!.eventId)).toMatchObject({
      statusCode: 302,
      errorCode: 'REDIRECT',
    });
    const timedOut = await firstAttempt(slow!.webhook.id, pings[1]!.eventId);
    expect(timedOut).toMatchObject({ statusCode: null, errorCode: 'TIMEOUT' });
    expect(timedOut.durationMs).toBeGreaterThanOrEqual(1_400);
    const capped = await settled(big!.webhook.id, pings[2]!.eventId);
    expect(capped).toMatchObject({ status: 'SUCCEEDED', lastAttempt: { statusCode: 200 } });
    expect(capped.lastAttempt!.responseBody).toBe('x'.repeat(4096));
    expect(receiver.at('/elsewhere')).toEqual([]);
    for (const hook of [redirect, slow, big]) ok(await on.webhooks.delete(owner.accessToken, { id: hook!.webhook.id }));
  }, 40_000);

  describe('addresses', () => {
    const refused = [
      ['http://127.0.0.1/', 'FORBIDDEN_ADDRESS'],
      ['http://127.0.0.1:8080/hook', 'FORBIDDEN_ADDRESS'],
      ['http://[::1]/', 'FORBIDDEN_ADDRESS'],
      ['http://[::ffff:127.0.0.1]/', 'FORBIDDEN_ADDRESS'],
      ['http://10.0.0.1/', 'FORBIDDEN_ADDRESS'],
      ['http://172.16.0.1/', 'FORBIDDEN_ADDRESS'],
      ['http://192.168.1.1/', 'FORBIDDEN_ADDRESS'],
      ['http://100.64.0.1/', 'FORBIDDEN_ADDRESS'],
      ['http://169.254.169.254/latest/meta-data/', 'FORBIDDEN_ADDRESS'],
      ['http://224.0.0.1/', 'FORBIDDEN_ADDRESS'],
      ['http://0.0.0.0/', 'FORBIDDEN_ADDRESS'],
      ['http://2130706433/', 'FORBIDDEN_ADDRESS'],
      ['http://0x7f000001/', 'FORBIDDEN_ADDRESS'],
      ['http://0x7f.1/', 'FORBIDDEN_ADDRESS'],
      ['http://[fd00::1]/', 'FORBIDDEN_ADDRESS'],
      ['http://localhost/', 'FORBIDDEN_ADDRESS'],
      ['http://private.test/', 'FORBIDDEN_ADDRESS'],
      ['http://metadata.test/', 'FORBIDDEN_ADDRESS'],
      ['http://nowhere.test/', 'FORBIDDEN_ADDRESS'],
      ['ftp://example.com/', 'INVALID_URL'],
      ['file:///etc/passwd', 'INVALID_URL'],
      ['https://user:pass@example.com/', 'INVALID_URL'],
      ['not a url', 'INVALID_URL'],
    ] as const;

    beforeAll(() => {
      dns.publishAddresses('private.test', '10.1.2.3');
      dns.publishAddresses('metadata.test', '93.184.216.34', '169.254.169.254');
    });

    it.each(refused)('refuses %s at creation (%s)', async (url, reason) => {
      const response = await on.webhooks.create(owner.accessToken, { projectId: project.id, url, events: ['*'] });
      expect([codeOf(response), reasonOf(response)]).toEqual(['BAD_USER_INPUT', reason]);
      expect(response.errors![0]!.message.length).toBeGreaterThan(10);
    });

    it('tells the address and its range for an address in the URL, and nothing of what a name resolves to', async () => {
      const refusal = async (url: string) => {
        const response = await on.webhooks.create(owner.accessToken, { projectId: project.id, url, events: ['*'] });
        expect(reasonOf(response)).toBe('FORBIDDEN_ADDRESS');
        const error = response.errors![0]!;
        return { message: error.message, details: error.extensions?.details as Record<string, unknown> };
      };
      const literal = await refusal('http://10.1.2.3/');
      expect(literal.message).toContain('10.1.2.3');
      expect(literal.message).toContain('private');
      expect(literal.details).toMatchObject({ address: '10.1.2.3', range: 'private' });

      // Internal, metadata, unresolvable: one answer, naming no address and no range.
      const names = await Promise.all(
        ['private.test', 'metadata.test', 'nowhere.test'].map((name) => refusal(`http://${name}/hook`)),
      );
      for (const [i, name] of ['private.test', 'metadata.test', 'nowhere.test'].entries()) {
        expect(names[i]!.details).toEqual({ host: name });
        expect(names[i]!.message.replace(name, 'NAME')).toBe(names[0]!.message.replace('private.test', 'NAME'));
      }
      const text = JSON.stringify(names).replace(/[a-z]+\.test/g, 'NAME');
      for (const hidden of ['10.1.2.3', '169.254', '93.184', 'private', 'metadata', 'linkLocal', 'resolve ('])
        expect(text).not.toContain(hidden);
    });

    it('refuses them when a URL is changed too', async () => {
      const { webhook } = await create('/changing', ['x.y']);
      for (const [url, reason] of refused) {
        const response = await on.webhooks.update(owner.accessToken, { id: webhook.id, url });
        expect([url, reasonOf(response)]).toEqual([url, reason]);
      }
      expect(ok(await on.webhooks.get(owner.accessToken, { id: webhook.id })).webhook.url).toBe(
        receiver.url('/changing'),
      );
      ok(await on.webhooks.delete(owner.accessToken, { id: webhook.id }));
    }, 30_000);

    it('checks the address again at delivery: a name rebound to a forbidden address is refused', async () => {
      dns.publishAddresses('rebind.test', RECEIVER_HOST);
      const { webhook } = await create('/rebind', ['x.y'], project.id, receiver.url('/rebind', 'rebind.test'));
      const ping = ok(await on.webhooks.test(owner.accessToken, { id: webhook.id })).testWebhook;
      expect(await settled(webhook.id, ping.eventId)).toMatchObject({ status: 'SUCCEEDED' });
      expect(receiver.at('/rebind')).toHaveLength(1);

      ok(await on.webhooks.delete(owner.accessToken, { id: webhook.id }));

      for (const [i, address] of ['127.0.0.1', '169.254.169.254', '10.0.0.8', '::1', '::ffff:127.0.0.1'].entries()) {
        const name = `rebind-${i}.test`;
        dns.publishAddresses(name, RECEIVER_HOST);
        const made = await create('/rebind', ['x.y'], project.id, receiver.url('/rebind', name));
        dns.publishAddresses(name, address);
        const refusedPing = ok(await on.webhooks.test(owner.accessToken, { id: made.webhook.id })).testWebhook;
        const attempt = await waitFor(
          async () =>
            (await deliveries(made.webhook.id)).find((d) => d.eventId === refusedPing.eventId)?.attemptHistory[0],
          15_000,
          `the attempt at ${address}`,
        );
        expect([address, attempt.errorCode, attempt.statusCode]).toEqual([address, 'FORBIDDEN_ADDRESS', null]);
        expect(attempt.error).toContain(name);
        expect(attempt.error).not.toContain(address);
        ok(await on.webhooks.delete(owner.accessToken, { id: made.webhook.id }));
      }
      expect(receiver.at('/rebind')).toHaveLength(1);
    }, 40_000);
  });

  it('refuses bad input on every path with a stable code, changing nothing', async () => {
    const { webhook } = await create('/input', ['x.y']);
    const cases = [
      [on.webhooks.create(owner.accessToken, { projectId: 'nope', url: receiver.url(), events: ['*'] }), 'INVALID_ID'],
      [
        on.webhooks.create(owner.accessToken, { projectId: project.id, url: receiver.url(), events: [] }),
        'INVALID_INPUT',
      ],
      [
        on.webhooks.create(owner.accessToken, { projectId: project.id, url: receiver.url(), events: ['Build'] }),
        'INVALID_EVENT_PATTERN',
      ],
      [
        on.webhooks.create(owner.accessToken, {
          projectId: project.id,
          url: receiver.url(),
          events: Array.from({ length: 51 }, (_, i) => `a.e${i}`),
        }),
        'INVALID_INPUT',
      ],
      [
        on.webhooks.create(owner.accessToken, {
          projectId: project.id,
          url: `${receiver.url()}?${'x'.repeat(2100)}`,
          events: ['*'],
        }),
        'INVALID_INPUT',
      ],
      [
        on.webhooks.create(owner.accessToken, {
          projectId: project.id,
          url: receiver.url(),
          events: ['*'],
          description: 'd'.repeat(501),
        }),
        'INVALID_INPUT',
      ],
      [on.webhooks.update(owner.accessToken, { id: 'nope' }), 'INVALID_ID'],
      [on.webhooks.update(owner.accessToken, { id: webhook.id, events: ['build.**'] }), 'INVALID_EVENT_PATTERN'],
      [on.webhooks.update(owner.accessToken, { id: webhook.id, url: 'gopher://x' }), 'INVALID_URL'],
      [on.webhooks.update(owner.accessToken, unchecked({ id: webhook.id, enabled: 'yes' })), undefined],
      [on.webhooks.delete(owner.accessToken, { id: 'nope' }), 'INVALID_ID'],
      [on.webhooks.rotateSecret(owner.accessToken, { id: webhook.id, gracePeriodSeconds: -1 }), 'INVALID_INPUT'],
      [
        on.webhooks.rotateSecret(owner.accessToken, { id: webhook.id, gracePeriodSeconds: 8 * 86_400 }),
        'INVALID_INPUT',
      ],
      [on.webhooks.test(owner.accessToken, { id: 'nope' }), 'INVALID_ID'],
      [on.webhooks.redeliver(owner.accessToken, { deliveryId: 'nope' }), 'INVALID_ID'],
      [on.webhooks.deliveries(owner.accessToken, { webhookId: webhook.id, first: 0 }), 'INVALID_INPUT'],
      [on.webhooks.deliveries(owner.accessToken, { webhookId: webhook.id, event: 'e'.repeat(101) }), 'INVALID_INPUT'],
      [on.webhooks.deliveries(owner.accessToken, { webhookId: webhook.id, after: 'bogus' }), 'INVALID_CURSOR'],
      [on.webhooks.list(owner.accessToken, { projectId: 'nope' }), 'INVALID_ID'],
    ] as const;
    for (const [pending, reason] of cases) {
      const response = await pending;
      expect(codeOf(response)).toBe('BAD_USER_INPUT');
      if (reason) expect(reasonOf(response)).toBe(reason);
    }
    const unknown = await on.webhooks.update(owner.accessToken, { id: '0123456789abcdef01234567' });
    expect(codeOf(unknown)).toBe('NOT_FOUND');
    const after = ok(await on.webhooks.get(owner.accessToken, { id: webhook.id })).webhook;
    expect(after).toMatchObject({ url: receiver.url('/input'), events: ['x.y'], enabled: true, description: null });
    expect(after.previousSecretExpiresAt).toBeNull();
    ok(await on.webhooks.delete(owner.accessToken, { id: webhook.id }));
  }, 30_000);

  it('checks permissions, and audits every change without its secret or URL', async () => {
    const [viewer, developer, outsider] = await Promise.all([1, 2, 3].map(() => registerUser(api.url)));
    await assignRole(api.url, owner.accessToken, { projectId: project.id, userId: viewer!.id, roleId: 'viewer' });
    await assignRole(api.url, owner.accessToken, { projectId: project.id, userId: developer!.id, roleId: 'developer' });
    const input = { projectId: project.id, url: receiver.url('/perm'), events: ['*'] };
    expect(codeOf(await on.webhooks.create(viewer!.accessToken, input))).toBe('FORBIDDEN');
    expect(codeOf(await on.webhooks.create(outsider!.accessToken, input))).toBe('FORBIDDEN');
    expect(codeOf(await on.webhooks.create(undefined, input))).toBe('UNAUTHENTICATED');
    const made = ok(await on.webhooks.create(developer!.accessToken, input)).createWebhook;
    const id = made.webhook.id;
    expect(
      ok(await on.webhooks.list(viewer!.accessToken, { projectId: project.id })).webhooks.edges.map((e) => e.node.id),
    ).toContain(id);
    expect(codeOf(await on.webhooks.list(outsider!.accessToken, { projectId: project.id }))).toBe('FORBIDDEN');
    expect(codeOf(await on.webhooks.update(viewer!.accessToken, { id, enabled: false }))).toBe('FORBIDDEN');
    expect(codeOf(await on.webhooks.rotateSecret(viewer!.accessToken, { id }))).toBe('FORBIDDEN');
    expect(codeOf(await on.webhooks.test(outsider!.accessToken, { id }))).toBe('FORBIDDEN');
    expect(codeOf(await on.webhooks.deliveries(outsider!.accessToken, { webhookId: id }))).toBe('FORBIDDEN');
    expect(codeOf(await on.webhooks.delete(developer!.accessToken, { id }))).toBe('FORBIDDEN');
    const rotated = ok(await on.webhooks.rotateSecret(developer!.accessToken, { id })).rotateWebhookSecret;
    ok(
      await on.webhooks.update(developer!.accessToken, {
        id,
        url: receiver.url('/perm-moved'),
        description: 'mine',
        enabled: false,
      }),
    );
    expect(codeOf(await on.webhooks.test(developer!.accessToken, { id }))).toBe('CONFLICT');
    ok(await on.webhooks.delete(owner.accessToken, { id }));
    expect(codeOf(await on.webhooks.get(owner.accessToken, { id }))).toBe('NOT_FOUND');

    const audit = ok(await on.audit.logs(owner.accessToken, { projectId: project.id, first: 100 })).auditLogs;
    const operationsSeen = audit.edges.map((e) => `${e.node.operation}:${e.node.outcome}`);
    for (const expected of [
      'mutation.createWebhook:GRANTED',
      'mutation.createWebhook:DENIED',
      'mutation.rotateWebhookSecret:GRANTED',
      'mutation.updateWebhook:GRANTED',
      'mutation.deleteWebhook:GRANTED',
      'mutation.deleteWebhook:DENIED',
    ]) {
      expect(operationsSeen).toContain(expected);
    }
    const text = JSON.stringify(audit);
    for (const secret of [made.secret, rotated.secret]) expect(text).not.toContain(secret.slice(6));
    // Nor the endpoint's URL, whose path can be a credential.
    expect(text).toContain('mutation.updateWebhook');
    expect(text).not.toContain('/perm');
  }, 30_000);
});

describe('webhooks that keep failing', () => {
  let api: TestApp;
  const receiver = new WebhookReceiver(RECEIVER_HOST);

  beforeAll(async () => {
    await receiver.start();
    api = await startTestApp(
      {
        WEBHOOK_ALLOWED_ADDRESSES: RECEIVER_HOST,
        WEBHOOK_TIMEOUT_MS: '1500',
        WEBHOOK_RETRY_SCHEDULE: Array.from({ length: 60 }, () => '250ms').join(','),
        WEBHOOK_SWEEP_INTERVAL_MS: '500',
        WEBHOOK_DISABLE_AFTER: '1500ms',
      },
      { label: 'failing' },
    );
  });

  afterAll(async () => {
    await api?.close();
    await receiver.close();
  });

  it('start a new failing period after a quiet time, and when their URL changes', async () => {
    const on = operations(api.url);
    const owner = await registerUser(api.url);
    const project = await createProject(api.url, owner.accessToken);
    receiver.answer = () => ({ status: 500, body: 'down' });
    const { webhook } = ok(
      await on.webhooks.create(owner.accessToken, {
        projectId: project.id,
        url: receiver.url('/quiet'),
        events: ['x.y'],
      }),
    ).createWebhook;
    const hooks = api.app.get<Connection>(getConnectionToken()).collection('webhooks');
    const _id = new Types.ObjectId(webhook.id);
    // Its last delivery failed for good days ago; it has been quiet since.
    const daysAgo = new Date(Date.now() - 3 * 86_400_000);
    await hooks.updateOne({ _id }, { $set: { failingSince: daysAgo, lastFailureAt: daysAgo } });

    const before = Date.now();
    const ping = ok(await on.webhooks.test(owner.accessToken, { id: webhook.id })).testWebhook;
    await waitFor(
      async () =>
        ok(await on.webhooks.deliveries(owner.accessToken, { webhookId: webhook.id })).webhookDeliveries.edges.find(
          (edge) => edge.node.eventId === ping.eventId && edge.node.attempts > 0,
        ),
      15_000,
      'the first attempt',
    );
    // The failure starts a new period instead of ending the old one with a disabling.
    const record = (await hooks.findOne({ _id }))!;
    expect(record.failingSince.getTime()).toBeGreaterThanOrEqual(before);
    expect(record.disabledReason).toBeNull();

    // Stopped (no attempt runs now), failing for days, then pointed at another receiver.
    ok(await on.webhooks.update(owner.accessToken, { id: webhook.id, enabled: false }));
    await hooks.updateOne({ _id }, { $set: { failingSince: daysAgo, lastFailureAt: new Date() } });
    const moved = ok(
      await on.webhooks.update(owner.accessToken, { id: webhook.id, url: receiver.url('/quiet-elsewhere') }),
    ).updateWebhook;
    expect(moved.failingSince).toBeNull();
    ok(await on.webhooks.delete(owner.accessToken, { id: webhook.id }));
  }, 30_000);

  it('are disabled after WEBHOOK_DISABLE_AFTER, the project is told with webhook.disabled, and re-enabling resumes them', async () => {
    const on = operations(api.url);
    const owner = await registerUser(api.url);
    const project = await createProject(api.url, owner.accessToken);
    let deadAnswers = 500;
    receiver.answer = (path) => (path === '/dead' ? { status: deadAnswers, body: 'down' } : { status: 204 });
    const dead = ok(
      await on.webhooks.create(owner.accessToken, {
        projectId: project.id,
        url: receiver.url('/dead'),
        events: ['x.y'],
      }),
    ).createWebhook;
    const watcher = ok(
      await on.webhooks.create(owner.accessToken, {
        projectId: project.id,
        url: receiver.url('/watch'),
        events: ['webhook.disabled'],
      }),
    ).createWebhook;
    const ping = ok(await on.webhooks.test(owner.accessToken, { id: dead.webhook.id })).testWebhook;

    const told = await waitFor(async () => receiver.at('/watch')[0], 20_000, 'webhook.disabled to be delivered');
    const event = verify(watcher.secret, told);
    expect(event).toMatchObject({
      type: 'webhook.disabled',
      data: { webhookId: dead.webhook.id, projectId: project.id, reason: expect.stringContaining('failed') },
    });
    // Where the endpoint points, without the path (which can be a credential) or the query.
    expect(event.data.origin).toBe(`http://${RECEIVER_HOST}:${receiver.port}`);
    expect(event.data).not.toHaveProperty('url');
    expect(told.body).not.toContain('/dead');
    const disabled = ok(await on.webhooks.get(owner.accessToken, { id: dead.webhook.id })).webhook;
    expect(disabled).toMatchObject({ enabled: false, disabledReason: expect.stringContaining('1500ms') });
    expect(disabled.failingSince).not.toBeNull();
    const held = ok(await on.webhooks.deliveries(owner.accessToken, { webhookId: dead.webhook.id })).webhookDeliveries
      .edges[0]!.node;
    expect(held).toMatchObject({ eventId: ping.eventId, status: 'PENDING' });
    expect(held.attempts).toBeGreaterThan(1);
    expect(codeOf(await on.webhooks.test(owner.accessToken, { id: dead.webhook.id }))).toBe('CONFLICT');

    deadAnswers = 200;
    const enabled = ok(
      await on.webhooks.update(owner.accessToken, { id: dead.webhook.id, enabled: true }),
    ).updateWebhook;
    expect(enabled).toMatchObject({ enabled: true, disabledReason: null, failingSince: null });
    const delivered = await waitFor(
      async () => {
        const node = ok(await on.webhooks.deliveries(owner.accessToken, { webhookId: dead.webhook.id }))
          .webhookDeliveries.edges[0]!.node;
        return node.status === 'SUCCEEDED' ? node : undefined;
      },
      15_000,
      'the held delivery to go out once enabled',
    );
    expect(delivered.lastAttempt).toMatchObject({ statusCode: 200 });
    expect(receiver.at('/dead').at(-1)!.headers['webhook-id']).toBe(ping.eventId);
  }, 40_000);
});
