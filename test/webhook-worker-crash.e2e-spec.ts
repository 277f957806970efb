import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { Types } from 'mongoose';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { startChildApi, type ChildApi } from './support/child-api';
import { createProject, registerUser } from './support/factories';
import { ok, waitFor } from './support/graphql-client';
import { operations } from './support/operations';
import { startTestApp, testEnv, type TestApp } from './support/test-app';
import { WebhookReceiver } from './support/webhook-receiver';

const RECEIVER_HOST = '127.0.0.7';
const WEBHOOK_ENV = {
  WEBHOOK_ALLOWED_ADDRESSES: RECEIVER_HOST,
  WEBHOOK_TIMEOUT_MS: '1500',
  WEBHOOK_RETRY_SCHEDULE: Array.from({ length: 40 }, () => '250ms').join(','),
  WEBHOOK_SWEEP_INTERVAL_MS: '500',
};

/**
 * No event is lost to a dying process: a worker SIGKILLed in the middle of a delivery leaves it to
 * the next worker (same webhook-id), and an event a process recorded but died before dispatching
 * is dispatched by the sweep of the next worker to start.
 */
describe('webhooks when a worker is killed', () => {
  let api: TestApp;
  const workers: ChildApi[] = [];
  const receiver = new WebhookReceiver(RECEIVER_HOST);
  const workerEnv = () => testEnv({ PROCESS_ROLE: 'worker', ...WEBHOOK_ENV });

  beforeAll(async () => {
    await receiver.start();
    api = await startTestApp({ PROCESS_ROLE: 'api', ...WEBHOOK_ENV });
  });

  afterAll(async () => {
    for (const worker of workers) if (worker.process.exitCode === null) worker.process.kill('SIGKILL');
    await api?.close();
    await receiver.close();
  });

  it('still delivers every event, after the change and before the delivery', async () => {
    const on = operations(api.url);
    const owner = await registerUser(api.url);
    const project = await createProject(api.url, owner.accessToken);
    const { webhook, secret } = ok(
      await on.webhooks.create(owner.accessToken, {
        projectId: project.id,
        url: receiver.url('/crash'),
        events: ['project.updated'],
      }),
    ).createWebhook;
    let answered = false;
    receiver.answer = () => (answered ? { status: 200 } : 'hang');

    // The change is made and acknowledged; no worker runs yet.
    ok(await on.projects.update(owner.accessToken, { id: project.id, name: 'Before the crash' }));
    const doomed = await startChildApi(workerEnv());
    workers.push(doomed);
    await waitFor(async () => receiver.received.length === 1, 20_000, 'the worker to start delivering');
    doomed.process.kill('SIGKILL');
    await waitFor(async () => doomed.process.exitCode !== null || doomed.process.signalCode !== null, 5_000);

    // What a process killed between recording an event and dispatching it leaves behind.
    const connection = api.app.get<Connection>(getConnectionToken());
    const eventId = `msg_${new Types.ObjectId().toHexString()}recovered`;
    await connection.collection('webhook_messages').insertOne({
      eventId,
      projectId: new Types.ObjectId(project.id),
      type: 'project.updated',
      body: JSON.stringify({
        type: 'project.updated',
        timestamp: new Date().toISOString(),
        data: { name: 'Recorded, never dispatched', projectId: project.id, actorId: owner.id },
      }),
      webhookIds: [new Types.ObjectId(webhook.id)],
      recordedAt: new Date(),
      dispatchedAt: null,
    });

    answered = true;
    workers.push(await startChildApi(workerEnv()));
    const done = await waitFor(
      async () => {
        const list = ok(await on.webhooks.deliveries(owner.accessToken, { webhookId: webhook.id })).webhookDeliveries;
        const nodes = list.edges.map((edge) => edge.node);
        return nodes.length === 2 && nodes.every((d) => d.status === 'SUCCEEDED') ? nodes : undefined;
      },
      45_000,
      'both events to be delivered by the next worker',
    );
    expect(done.map((d) => d.eventId)).toContain(eventId);

    const verified = receiver.at('/crash').map((hook) => ({
      id: hook.headers['webhook-id'],
      event: new StandardWebhook(secret).verify(hook.body, hook.headers),
    }));
    const names = verified.map((hook) => (hook.event as { data: { name: string } }).data.name);
    // The interrupted delivery came again, with the same id, before the recovered event.
    expect(names[0]).toBe('Before the crash');
    expect(names.filter((name) => name === 'Before the crash').length).toBeGreaterThanOrEqual(2);
    expect(new Set(verified.filter((hook) => hook.id !== eventId).map((hook) => hook.id)).size).toBe(1);
    expect(names.at(-1)).toBe('Recorded, never dispatched');
    const message = await connection.collection('webhook_messages').findOne({ eventId });
    expect(message?.dispatchedAt).toBeInstanceOf(Date);
  }, 90_000);
});
