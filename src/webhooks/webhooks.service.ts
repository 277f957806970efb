import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { RequestContext } from '../common/context/request-context';
import { EventBus } from '../common/events/event-bus';
import { activeAt } from '../common/mongo/expiry';
import { isObjectId, newObjectId, toObjectId } from '../common/mongo/object-id';
import type { Connection } from '../common/pagination/connection';
import type { PageArgs } from '../common/pagination/page.args';
import { paginate } from '../common/pagination/paginate';
import { AppConfig } from '../config/app-config';
import type { CreateWebhookInput } from './dto/create-webhook.input';
import { DEFAULT_GRACE_SECONDS, type RotateWebhookSecretInput } from './dto/rotate-webhook-secret.input';
import type { UpdateWebhookInput } from './dto/update-webhook.input';
import type { WebhookDeliveriesArgs } from './dto/webhooks.args';
import {
  WebhookCreatedEvent,
  WebhookDeletedEvent,
  WebhookSecretRotatedEvent,
  WebhookUpdatedEvent,
} from './events/webhook-lifecycle.event';
import { CreatedWebhook, Webhook } from './models/webhook.model';
import { WebhookDelivery } from './models/webhook-delivery.model';
import { WebhookAddresses } from './webhook-addresses';
import { WebhookDeliveryRecord, WebhookDeliveryStatus } from './webhook-delivery.schema';
import { WebhookException, WebhookExceptionReason } from './webhook.exception';
import { WebhookMessageRecord } from './webhook-message.schema';
import { WebhookOutboxService } from './webhook-outbox.service';
import { WebhookSecretsService } from './webhook-secrets.service';
import { parseWebhookUrl } from './webhook-url';
import { WebhookRecord } from './webhook.schema';

/** An event name (`build.failed`), a family (`build.*`) or every event (`*`). */
const EVENT_PATTERN = /^(\*|[a-z][a-z0-9_]*\.(\*|[a-z][a-z0-9_]*))$/;

/** The patterns as stored: trimmed, checked, each once. */
export function checkEventPatterns(raw: readonly string[]): string[] {
  const patterns = raw.map((pattern) => pattern.trim());
  for (const pattern of patterns) {
    if (!EVENT_PATTERN.test(pattern)) {
      throw new WebhookException(
        WebhookExceptionReason.INVALID_EVENT_PATTERN,
        `"${pattern.slice(0, 100)}" is not an event name (build.failed), a family (deployment.*) or *`,
        { pattern: pattern.slice(0, 100) },
      );
    }
  }
  return [...new Set(patterns)];
}

/**
 * A project's webhook endpoints: made with a signing secret shown once, changed, rotated,
 * pinged, removed; and their delivery history. Delivering is `WebhookDeliveryService`'s; recording
 * events, `WebhookOutboxService`'s.
 */
@Injectable()
export class WebhooksService {
  constructor(
    @InjectModel(WebhookRecord.name) private readonly webhooks: Model<WebhookRecord>,
    @InjectModel(WebhookDeliveryRecord.name) private readonly deliveries: Model<WebhookDeliveryRecord>,
    @InjectModel(WebhookMessageRecord.name) private readonly messages: Model<WebhookMessageRecord>,
    private readonly outbox: WebhookOutboxService,
    private readonly secrets: WebhookSecretsService,
    private readonly addresses: WebhookAddresses,
    private readonly events: EventBus,
    private readonly config: AppConfig,
  ) {}

  async create(ctx: RequestContext, input: CreateWebhookInput): Promise<CreatedWebhook> {
    const url = await this.checkedUrl(input.url);
    const events = checkEventPatterns(input.events);
    const projectId = toObjectId(input.projectId);
    const limit = this.config.WEBHOOKS_PER_PROJECT;
    const overLimit = (): WebhookException =>
      new WebhookException(
        WebhookExceptionReason.WEBHOOK_LIMIT_REACHED,
        `A project has at most ${limit} webhooks; delete one first`,
        { limit },
      );
    if ((await this.webhooks.countDocuments({ projectId }).exec()) >= limit) throw overLimit();
    const { secret, sealed } = this.secrets.generate();
    const record = (
      await this.webhooks.create({
        projectId,
        url,
        events,
        description: input.description?.trim() || null,
        enabled: true,
        secret: sealed,
      })
    ).toObject<WebhookRecord>();
    // Counted again with this one in: of creations racing past the first count, the last to count
    // sees them all, so the limit holds (at worst more than one of them gives way).
    if ((await this.webhooks.countDocuments({ projectId }).exec()) > limit) {
      await this.webhooks.deleteOne({ _id: record._id }).exec();
      throw overLimit();
    }
    await this.outbox.forgetProject(input.projectId);
    await this.events.publish(new WebhookCreatedEvent(input.projectId, ctx.actorId, record._id.toHexString(), url));
    return Object.assign(new CreatedWebhook(), { webhook: Webhook.from(record), secret });
  }

  list(projectId: string, page: PageArgs): Promise<Connection<Webhook>> {
    return paginate(this.webhooks, { projectId: toObjectId(projectId) }, page, (record) => Webhook.from(record));
  }

  async get(webhookId: string): Promise<Webhook> {
    return Webhook.from(await this.record(webhookId));
  }

  async update(ctx: RequestContext, input: UpdateWebhookInput): Promise<Webhook> {
    const current = await this.record(input.id);
    const set: Partial<WebhookRecord> = {};
    if (input.url !== undefined) {
      set.url = await this.checkedUrl(input.url);
      // Another URL is another receiver: how the old one failed says nothing of it.
      if (set.url !== current.url) Object.assign(set, { failingSince: null, lastFailureAt: null });
    }
    if (input.events !== undefined) set.events = checkEventPatterns(input.events);
    if (input.description !== undefined) set.description = input.description.trim() || null;
    if (input.enabled === true && !current.enabled) {
      Object.assign(set, {
        enabled: true,
        disabledReason: null,
        disabledAt: null,
        failingSince: null,
        lastFailureAt: null,
      });
    } else if (input.enabled === false && current.enabled) {
      Object.assign(set, { enabled: false, disabledReason: null, disabledAt: new Date() });
    }
    const updated = await this.webhooks
      .findOneAndUpdate({ _id: current._id }, { $set: set }, { returnDocument: 'after' })
      .lean<WebhookRecord>()
      .exec();
    if (!updated) throw notFound();
    const projectId = updated.projectId.toHexString();
    await this.outbox.forgetProject(projectId);
    // Resumes the deliveries a disabling held back, in their order.
    if (updated.enabled && !current.enabled) await this.outbox.wake(input.id);
    await this.events.publish(new WebhookUpdatedEvent(projectId, ctx.actorId, input.id, updated.url));
    return Webhook.from(updated);
  }

  async delete(ctx: RequestContext, webhookId: string): Promise<boolean> {
    const record = await this.webhooks
      .findOneAndDelete({ _id: toObjectId(webhookId) })
      .lean<WebhookRecord>()
      .exec();
    if (!record) throw notFound();
    await this.deliveries.deleteMany({ webhookId: record._id }).exec();
    const projectId = record.projectId.toHexString();
    await this.outbox.forgetProject(projectId);
    await this.events.publish(new WebhookDeletedEvent(projectId, ctx.actorId, webhookId, record.url));
    return true;
  }

  /**
   * A new signing secret, shown only now. Until the grace period ends, deliveries carry a
   * signature with the old secret as well, so receivers can switch whenever they like in it.
   */
  async rotateSecret(ctx: RequestContext, input: RotateWebhookSecretInput): Promise<CreatedWebhook> {
    const current = await this.record(input.id);
    const graceSeconds = input.gracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
    const { secret, sealed } = this.secrets.generate();
    const updated = await this.webhooks
      .findOneAndUpdate(
        { _id: current._id },
        {
          $set: {
            secret: sealed,
            previousSecret: graceSeconds > 0 ? current.secret : null,
            previousSecretUntil: graceSeconds > 0 ? new Date(Date.now() + graceSeconds * 1_000) : null,
          },
        },
        { returnDocument: 'after' },
      )
      .lean<WebhookRecord>()
      .exec();
    if (!updated) throw notFound();
    const projectId = updated.projectId.toHexString();
    await this.events.publish(new WebhookSecretRotatedEvent(projectId, ctx.actorId, input.id, updated.url));
    return Object.assign(new CreatedWebhook(), { webhook: Webhook.from(updated), secret });
  }

  /** Sends the endpoint a `webhook.ping` event, through the same path as every event. */
  async test(ctx: RequestContext, webhookId: string): Promise<WebhookDelivery> {
    const record = await this.record(webhookId);
    if (!record.enabled) throw disabled();
    return WebhookDelivery.from(await this.outbox.ping(record, ctx.actorId));
  }

  listDeliveries(args: WebhookDeliveriesArgs): Promise<Connection<WebhookDelivery>> {
    return paginate(
      this.deliveries,
      {
        webhookId: toObjectId(args.webhookId),
        ...(args.status ? { status: args.status } : {}),
        ...(args.event ? { event: args.event } : {}),
      },
      args,
      (record) => WebhookDelivery.from(record),
    );
  }

  /**
   * Sends a delivery's event again, with the same webhook-id, as a new delivery after the
   * endpoint's others (its earlier attempts stay in the history).
   */
  async redeliver(deliveryId: string): Promise<WebhookDelivery> {
    const original = await this.deliveryRecord(deliveryId);
    const hook = await this.record(original.webhookId.toHexString());
    if (!hook.enabled) throw disabled();
    // Kept for another WEBHOOK_RETENTION_DAYS from now, unless it is past its time already.
    const now = new Date();
    const kept = await this.messages
      .updateOne(
        { eventId: original.eventId, ...activeAt(now) },
        { $max: { expiresAt: new Date(now.getTime() + this.config.webhookRetentionMs) } },
      )
      .exec();
    if (kept.matchedCount === 0) {
      throw new WebhookException(
        WebhookExceptionReason.DELIVERY_NOT_FOUND,
        'The event of this delivery is no longer kept',
      );
    }
    const last = await this.deliveries
      .findOne({ webhookId: original.webhookId, eventId: original.eventId }, { round: 1 })
      .sort({ round: -1 })
      .lean<WebhookDeliveryRecord>()
      .exec();
    const created = (
      await this.deliveries.create({
        webhookId: original.webhookId,
        projectId: original.projectId,
        eventId: original.eventId,
        event: original.event,
        round: (last?.round ?? original.round) + 1,
        orderAt: now,
        orderKey: newObjectId(),
        status: WebhookDeliveryStatus.PENDING,
        attempts: 0,
        nextAttemptAt: now,
        attemptLog: [],
        finishedAt: null,
        expiresAt: null,
      })
    ).toObject<WebhookDeliveryRecord>();
    await this.outbox.wake(hook._id.toHexString());
    return WebhookDelivery.from(created);
  }

  /** Removes every webhook, delivery and recorded event of a project that is gone. */
  async forgetProject(projectId: string): Promise<void> {
    const id = toObjectId(projectId);
    await this.webhooks.deleteMany({ projectId: id }).exec();
    await this.deliveries.deleteMany({ projectId: id }).exec();
    await this.messages.deleteMany({ projectId: id }).exec();
    await this.outbox.forgetProject(projectId);
  }

  /** The project a webhook belongs to, for the access guard. */
  async projectOf(webhookId: string): Promise<string | null> {
    if (!isObjectId(webhookId)) return null;
    const record = await this.webhooks.findById(toObjectId(webhookId), { projectId: 1 }).lean<WebhookRecord>().exec();
    return record ? record.projectId.toHexString() : null;
  }

  /** The project a delivery belongs to, for the access guard. */
  async projectOfDelivery(deliveryId: string): Promise<string | null> {
    if (!isObjectId(deliveryId)) return null;
    const record = await this.deliveries
      .findById(toObjectId(deliveryId), { projectId: 1 })
      .lean<WebhookDeliveryRecord>()
      .exec();
    return record ? record.projectId.toHexString() : null;
  }

  private async checkedUrl(raw: string): Promise<string> {
    const url = parseWebhookUrl(raw);
    await this.addresses.check(url);
    return url.toString();
  }

  private async record(webhookId: string): Promise<WebhookRecord> {
    const record = await this.webhooks.findById(toObjectId(webhookId)).lean<WebhookRecord>().exec();
    if (!record) throw notFound();
    return record;
  }

  private async deliveryRecord(deliveryId: string): Promise<WebhookDeliveryRecord> {
    const record = await this.deliveries.findById(toObjectId(deliveryId)).lean<WebhookDeliveryRecord>().exec();
    if (!record) throw new WebhookException(WebhookExceptionReason.DELIVERY_NOT_FOUND, 'No delivery has this id');
    return record;
  }
}

function notFound(): WebhookException {
  return new WebhookException(WebhookExceptionReason.WEBHOOK_NOT_FOUND, 'No webhook has this id');
}

function disabled(): WebhookException {
  return new WebhookException(
    WebhookExceptionReason.WEBHOOK_DISABLED,
    'The webhook is disabled: enable it with updateWebhook first',
  );
}
