import { InjectQueue } from '@nestjs/bull';
import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Queue } from 'bull';
import { randomBytes } from 'node:crypto';
import type { Model, Types } from 'mongoose';
import { SharedCacheFactory } from '../common/cache/shared-cache.factory';
import type { SharedCache } from '../common/cache/shared-cache';
import type { DomainEvent } from '../common/events/domain-event';
import type { DurableEventSink } from '../common/events/event-outbox';
import { matchesEventPattern } from '../common/events/event-pattern';
import { isDuplicateKeyError } from '../common/mongo/mongo-errors';
import { toObjectId } from '../common/mongo/object-id';
import { AppConfig } from '../config/app-config';
import { ProjectDeletedEvent } from '../projects/events/project-deleted.event';
import { WEBHOOKS_QUEUE, WebhookJob, type WebhookJobPayloads } from './jobs/webhook-jobs';
import { WebhookDeliveryRecord, WebhookDeliveryStatus } from './webhook-delivery.schema';
import { WebhookMessageRecord } from './webhook-message.schema';
import { WebhookException, WebhookExceptionReason } from './webhook.exception';
import { WebhookRecord } from './webhook.schema';

/** The event type of `testWebhook`'s deliveries. */
export const PING_EVENT = 'webhook.ping';

/** How long an outbox entry may stay undispatched before the sweep takes it for one a dead process left. */
export const SWEEP_GRACE_MS = 3_000;

/** Entries the sweep handles at once. */
const SWEEP_BATCH = 500;

interface Subscriber {
  id: string;
  events: string[];
}

/** `msg_` and 128 random bits: the `webhook-id` every delivery of the event carries. */
export const newEventId = (): string => `msg_${randomBytes(16).toString('hex')}`;

/**
 * The webhooks' outbox. As the `EventBus`'s durable sink it stores every project event an enabled
 * endpoint's patterns match, before the event is announced (a project without such endpoints costs
 * a cached lookup, no write), then dispatches it: one delivery per endpoint (unique per endpoint and
 * event, so dispatching twice changes nothing) and a job that wakes the endpoint's deliverer.
 */
@Injectable()
export class WebhookOutboxService implements DurableEventSink, BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookOutboxService.name);
  private readonly subscribers: SharedCache<Subscriber[]>;
  private stopping = false;
  private readonly dispatching = new Set<Promise<void>>();

  constructor(
    @InjectModel(WebhookRecord.name) private readonly webhooks: Model<WebhookRecord>,
    @InjectModel(WebhookMessageRecord.name) private readonly messages: Model<WebhookMessageRecord>,
    @InjectModel(WebhookDeliveryRecord.name) private readonly deliveries: Model<WebhookDeliveryRecord>,
    @InjectQueue(WEBHOOKS_QUEUE) private readonly queue: Queue<WebhookJobPayloads[WebhookJob.DELIVER]>,
    private readonly config: AppConfig,
    caches: SharedCacheFactory,
  ) {
    this.subscribers = caches.create<Subscriber[]>({
      topic: 'webhook-subscribers',
      maxEntries: 10_000,
      maxAgeMs: 60_000,
    });
  }

  /** Lets the dispatches under way finish, so a stopping process leaves none for the sweep. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([...this.dispatching]);
    this.stopping = true;
  }

  async record(event: DomainEvent): Promise<void> {
    try {
      await this.recordNow(event);
    } catch (error) {
      // A job still running as the process stops (past its grace) may announce a change after the
      // database connection closed: nothing can store it now, and it is not the platform failing.
      if (!this.stopping) throw error;
      this.logger.warn(`Could not record ${event.name} for webhooks while stopping: ${(error as Error).message}`);
    }
  }

  private async recordNow(event: DomainEvent): Promise<void> {
    // A deleted project's endpoints go with it (ProjectWebhooksListener): nothing is left to send it to.
    if (!event.projectId || event.name === ProjectDeletedEvent.eventName) return;
    const subscribers = await this.subscribersOf(event.projectId);
    const matching = subscribers.filter((hook) =>
      hook.events.some((pattern) => matchesEventPattern(pattern, event.name)),
    );
    if (matching.length === 0) return;
    const body = JSON.stringify({
      type: event.name,
      timestamp: event.occurredAt,
      data: { ...event.payload(), projectId: event.projectId, actorId: event.actorId ?? null },
    });
    // Stored before the event is announced; dispatched without holding up the change (the sweep
    // dispatches what a dying process leaves).
    await this.store(
      event.projectId,
      event.name,
      body,
      matching.map((hook) => hook.id),
      false,
    );
  }

  /**
   * Records a `webhook.ping` for one endpoint, and returns its delivery. When the delivery could
   * not be made (MongoDB refused the write), the ping is recorded all the same and the sweep sends
   * it: the caller is told so with a coded error rather than given a delivery that does not exist.
   */
  async ping(webhook: WebhookRecord, actorId: string | undefined): Promise<WebhookDeliveryRecord> {
    const projectId = webhook.projectId.toHexString();
    const webhookId = webhook._id.toHexString();
    const body = JSON.stringify({
      type: PING_EVENT,
      timestamp: new Date().toISOString(),
      data: { webhookId, url: webhook.url, projectId, actorId: actorId ?? null },
    });
    const message = await this.store(projectId, PING_EVENT, body, [webhookId], true);
    const delivery = await this.deliveries
      .findOne({ webhookId: webhook._id, eventId: message.eventId, round: 0 })
      .lean<WebhookDeliveryRecord>()
      .exec();
    if (!delivery) {
      throw new WebhookException(
        WebhookExceptionReason.PING_NOT_DISPATCHED,
        'The ping is recorded and will be sent shortly, but its delivery could not be made yet: see webhookDeliveries in a moment',
        { eventId: message.eventId },
      );
    }
    return delivery;
  }

  /** Which endpoints of a project take events now: forget it on every change of its webhooks. */
  async forgetProject(projectId: string): Promise<void> {
    await this.subscribers.forget(`${projectId}:`);
  }

  /**
   * Makes the deliveries of the project's entries that are still undispatched and were recorded no
   * later than `upTo`, so that an endpoint's next delivery never overtakes an older event a dead
   * (or slow) process left in the outbox. Returns how many entries it dispatched.
   */
  async dispatchBacklog(projectId: Types.ObjectId, upTo: Date): Promise<number> {
    const left = await this.messages
      .find({ projectId, dispatchedAt: null, recordedAt: { $lte: upTo } })
      .sort({ recordedAt: 1, _id: 1 })
      .limit(SWEEP_BATCH)
      .lean<WebhookMessageRecord[]>()
      .exec();
    for (const message of left) await this.dispatch(message);
    return left.length;
  }

  /**
   * What a worker does at start and every WEBHOOK_SWEEP_INTERVAL_MS: dispatches entries left
   * undispatched for more than a few seconds (their process died between the change and the
   * dispatch) and wakes enabled endpoints whose due deliveries no job is carrying.
   */
  async sweep(): Promise<{ dispatched: number; woken: number }> {
    const before = new Date(Date.now() - SWEEP_GRACE_MS);
    const left = await this.messages
      .find({ dispatchedAt: null, recordedAt: { $lte: before } })
      .sort({ recordedAt: 1, _id: 1 })
      .limit(SWEEP_BATCH)
      .lean<WebhookMessageRecord[]>()
      .exec();
    for (const message of left) await this.dispatch(message);
    // Endpoints, not deliveries: one endpoint's backlog (deliveries waiting behind a head in
    // backoff, or held by a disabling) must not hide the others.
    const now = new Date();
    const idle = await this.deliveries
      .aggregate<{ _id: Types.ObjectId }>([
        { $match: { status: WebhookDeliveryStatus.PENDING, nextAttemptAt: { $lte: before } } },
        { $group: { _id: '$webhookId' } },
        {
          $lookup: {
            from: this.webhooks.collection.collectionName,
            localField: '_id',
            foreignField: '_id',
            as: 'hook',
          },
        },
        { $unwind: '$hook' },
        {
          $match: {
            'hook.enabled': true,
            $or: [{ 'hook.leaseUntil': null }, { 'hook.leaseUntil': { $lt: now } }],
          },
        },
        { $project: { _id: 1 } },
        { $limit: SWEEP_BATCH * 4 },
      ])
      .exec();
    for (const hook of idle) await this.wake(hook._id.toHexString());
    return { dispatched: left.length, woken: idle.length };
  }

  /** Tells the endpoint's deliverer there is work: a holder of its lease sees the bump before letting go. */
  async wake(webhookId: string): Promise<void> {
    await this.wakeAll([webhookId]);
  }

  private async wakeAll(webhookIds: string[]): Promise<void> {
    await this.webhooks.updateMany({ _id: { $in: webhookIds.map(toObjectId) } }, { $inc: { kicks: 1 } }).exec();
    if (webhookIds.length === 1) return this.enqueue(webhookIds[0]!, 0);
    this.queue
      .addBulk(
        webhookIds.map((webhookId) => ({
          name: WebhookJob.DELIVER,
          data: { webhookId },
          opts: { removeOnComplete: true, removeOnFail: 100 },
        })),
      )
      .catch((error: Error) => {
        // The sweep wakes endpoints whose due deliveries no job carries.
        if (!this.stopping) this.logger.warn(`Could not queue delivery jobs: ${error.message}`);
      });
  }

  /** A job delivering the endpoint's deliveries in `delayMs`; `jobId` makes repeated requests one job. */
  enqueue(webhookId: string, delayMs: number, jobId?: string): void {
    this.queue
      .add(
        WebhookJob.DELIVER,
        { webhookId },
        { delay: Math.max(0, Math.round(delayMs)), jobId, removeOnComplete: true, removeOnFail: 100 },
      )
      .catch((error: Error) => {
        // The sweep wakes endpoints whose due deliveries no job carries.
        if (!this.stopping) this.logger.warn(`Could not queue a delivery job for ${webhookId}: ${error.message}`);
      });
  }

  private async subscribersOf(projectId: string): Promise<Subscriber[]> {
    const found = await this.subscribers.getOrLoad(`${projectId}:`, async () => {
      const records = await this.webhooks
        // Every enabled endpoint, however many: lowering WEBHOOKS_PER_PROJECT removes none.
        .find({ projectId: toObjectId(projectId), enabled: true }, { events: 1 })
        .lean<WebhookRecord[]>()
        .exec();
      return { value: records.map((record) => ({ id: record._id.toHexString(), events: record.events })) };
    });
    return found ?? [];
  }

  private async store(
    projectId: string,
    type: string,
    body: string,
    webhookIds: string[],
    waitForDispatch: boolean,
  ): Promise<WebhookMessageRecord> {
    const recordedAt = new Date();
    const message = (
      await this.messages.create({
        eventId: newEventId(),
        projectId: toObjectId(projectId),
        type,
        body,
        webhookIds: webhookIds.map(toObjectId),
        recordedAt,
        dispatchedAt: null,
        expiresAt: new Date(recordedAt.getTime() + this.config.webhookRetentionMs),
      })
    ).toObject<WebhookMessageRecord>();
    const dispatched = this.dispatch(message).catch((error: Error) => {
      // Recorded, so not lost: the sweep dispatches it.
      if (!this.stopping) this.logger.warn(`Could not dispatch ${message.eventId} (${type}) yet: ${error.message}`);
    });
    this.dispatching.add(dispatched);
    void dispatched.finally(() => this.dispatching.delete(dispatched));
    if (waitForDispatch) await dispatched;
    return message;
  }

  /**
   * Makes the entry's deliveries (each at most once) and wakes their endpoints: four writes
   * however many endpoints take the event.
   */
  private async dispatch(message: WebhookMessageRecord): Promise<void> {
    await this.deliveries
      .bulkWrite(
        message.webhookIds.map((webhookId) => ({
          updateOne: {
            filter: { webhookId, eventId: message.eventId, round: 0 },
            update: {
              $setOnInsert: {
                projectId: message.projectId,
                event: message.type,
                orderAt: message.recordedAt,
                orderKey: message._id,
                status: WebhookDeliveryStatus.PENDING,
                attempts: 0,
                nextAttemptAt: message.recordedAt,
                attemptLog: [],
                finishedAt: null,
                expiresAt: null,
              },
            },
            upsert: true,
          },
        })),
        { ordered: false },
      )
      .catch((error: unknown) => {
        // Another dispatcher of the same entry made the same delivery at the same moment.
        if (!isDuplicateKeyError(error)) throw error;
      });
    await this.messages
      .updateOne({ _id: message._id, dispatchedAt: null }, { $set: { dispatchedAt: new Date() } })
      .exec();
    await this.wakeAll(message.webhookIds.map((id) => id.toHexString()));
  }
}
