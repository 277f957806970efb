import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectModel } from '@nestjs/mongoose';
import { randomUUID } from 'node:crypto';
import type { Model } from 'mongoose';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { ExpiringCache } from '../common/cache/expiring-cache';
import { AppException } from '../common/errors/app.exception';
import { EventBus } from '../common/events/event-bus';
import { MEASURED, type Measurement } from '../common/events/measurement';
import { toObjectId } from '../common/mongo/object-id';
import { AppConfig } from '../config/app-config';
import { WebhookDisabledEvent } from './events/webhook-lifecycle.event';
import { failingPeriodStart, retryDelay } from './retry-schedule';
import { WebhookAddresses } from './webhook-addresses';
import { WebhookDeliveryRecord, WebhookDeliveryStatus, type WebhookAttemptRecord } from './webhook-delivery.schema';
import { postWebhook, type AttemptOutcome } from './webhook-http';
import { WebhookMessageRecord } from './webhook-message.schema';
import { WebhookOutboxService } from './webhook-outbox.service';
import { WebhookSecretsService } from './webhook-secrets.service';
import { WebhookExceptionReason } from './webhook.exception';
import { literalAddress } from './webhook-url';
import { WebhookRecord } from './webhook.schema';

/** How much of an answer each attempt keeps. */
export const MAX_RESPONSE_BYTES = 4_096;
/** Events whose bodies each process keeps for the other endpoints' deliveries, and how long. */
const RECENT_MESSAGES = 1_000;
const RECENT_MESSAGES_MS = 60_000;
/** Attempts each delivery keeps in its history. */
const MAX_KEPT_ATTEMPTS = 20;
/** Why an attempt failed before anything was sent: the event is no longer kept, the address is refused. */
const UNSENT = new Set<string>(['EVENT_GONE', WebhookExceptionReason.FORBIDDEN_ADDRESS]);

/**
 * Delivers each endpoint's deliveries one at a time, oldest event first. A worker delivers an
 * endpoint only while it holds the endpoint's lease (`leaseOwner`, `leaseUntil` in MongoDB), so two
 * workers never deliver to one endpoint at once or out of order; a worker that dies lets its lease
 * run out and the sweep wakes the endpoint again. When the oldest pending delivery fails, its next
 * attempt is scheduled with backoff and the later ones wait behind it.
 */
@Injectable()
export class WebhookDeliveryService {
  private readonly logger = new Logger(WebhookDeliveryService.name);
  private readonly leaseMs: number;
  private readonly recentMessages = new ExpiringCache<WebhookMessageRecord>(RECENT_MESSAGES, RECENT_MESSAGES_MS);

  constructor(
    @InjectModel(WebhookRecord.name) private readonly webhooks: Model<WebhookRecord>,
    @InjectModel(WebhookMessageRecord.name) private readonly messages: Model<WebhookMessageRecord>,
    @InjectModel(WebhookDeliveryRecord.name) private readonly deliveries: Model<WebhookDeliveryRecord>,
    private readonly outbox: WebhookOutboxService,
    private readonly secrets: WebhookSecretsService,
    private readonly addresses: WebhookAddresses,
    private readonly events: EventBus,
    private readonly config: AppConfig,
    private readonly emitter: EventEmitter2,
  ) {
    // Long enough for an attempt and its bookkeeping; renewed after each attempt.
    this.leaseMs = 2 * config.WEBHOOK_TIMEOUT_MS + 5_000;
  }

  /** Delivers what is due to the endpoint; does nothing when another worker holds it. */
  async drain(webhookId: string): Promise<{ attempted: number }> {
    const owner = randomUUID();
    let attempted = 0;
    for (;;) {
      const now = new Date();
      const lease = await this.webhooks
        .findOneAndUpdate(
          { _id: toObjectId(webhookId), enabled: true, $or: [{ leaseUntil: null }, { leaseUntil: { $lt: now } }] },
          { $set: { leaseOwner: owner, leaseUntil: new Date(now.getTime() + this.leaseMs) } },
          { returnDocument: 'after' },
        )
        .lean<WebhookRecord>()
        .exec();
      if (!lease) {
        // Another worker holds the endpoint. This job may carry work that worker did not see (a
        // retry falling due while it looked, whose job id it could not queue again): make it look
        // once more before it lets go. When the lease was let go meanwhile, try again to take it.
        const kicked = await this.webhooks
          .updateOne(
            { _id: toObjectId(webhookId), enabled: true, leaseOwner: { $ne: null }, leaseUntil: { $gte: now } },
            { $inc: { kicks: 1 } },
          )
          .exec();
        if (kicked.matchedCount > 0) return { attempted };
        const hook = await this.webhooks.findById(toObjectId(webhookId), { enabled: 1 }).lean<WebhookRecord>().exec();
        if (!hook) {
          // Deleted while an event for it was being dispatched.
          await this.deliveries.deleteMany({ webhookId: toObjectId(webhookId) }).exec();
          return { attempted };
        }
        if (!hook.enabled) return { attempted };
        continue;
      }
      const release = (kicks?: number): Promise<{ matchedCount: number }> =>
        this.webhooks
          .updateOne(
            { _id: lease._id, leaseOwner: owner, ...(kicks === undefined ? {} : { kicks }) },
            { $set: { leaseOwner: null, leaseUntil: null } },
          )
          .exec();
      let result: { attempted: number; kicks: number };
      try {
        result = await this.deliverDue(lease, owner);
      } catch (error) {
        await release();
        throw error;
      }
      attempted += result.attempted;
      // Let go only if nobody added deliveries since the last look; otherwise look again.
      if ((await release(result.kicks)).matchedCount > 0) return { attempted };
      await release();
    }
  }

  private async deliverDue(lease: WebhookRecord, owner: string): Promise<{ attempted: number; kicks: number }> {
    let attempted = 0;
    // The lease was just taken, with the endpoint as it is now.
    let taken: WebhookRecord | null = lease;
    for (;;) {
      // Still ours? Read and renewed in one write, before each later delivery.
      const hook: WebhookRecord | null =
        taken ??
        (await this.webhooks
          .findOneAndUpdate(
            { _id: lease._id, leaseOwner: owner },
            { $set: { leaseUntil: new Date(Date.now() + this.leaseMs) } },
            { returnDocument: 'after' },
          )
          .lean<WebhookRecord>()
          .exec());
      taken = null;
      if (!hook) return { attempted, kicks: lease.kicks };
      if (!hook.enabled) return { attempted, kicks: hook.kicks };
      const head = await this.deliveries
        .findOne({ webhookId: hook._id, status: WebhookDeliveryStatus.PENDING })
        .sort({ orderAt: 1, orderKey: 1 })
        .lean<WebhookDeliveryRecord>()
        .exec();
      if (!head) return { attempted, kicks: hook.kicks };
      if ((await this.outbox.dispatchBacklog(hook.projectId, head.orderAt)) > 0) continue;
      const wait = (head.nextAttemptAt?.getTime() ?? 0) - Date.now();
      if (wait > 0) {
        // One job per delivery and attempt, however often this is reached.
        this.outbox.enqueue(hook._id.toHexString(), wait, `retry-${head._id.toHexString()}-${head.attempts}`);
        return { attempted, kicks: hook.kicks };
      }
      await this.attempt(hook, head);
      attempted += 1;
    }
  }

  private async attempt(hook: WebhookRecord, delivery: WebhookDeliveryRecord): Promise<void> {
    const message = await this.message(delivery.eventId);
    const at = new Date();
    let outcome: AttemptOutcome;
    if (!message) {
      outcome = failure('EVENT_GONE', 'The event is no longer kept');
    } else {
      outcome = await this.send(hook, message, at);
    }
    const record: WebhookAttemptRecord = {
      at,
      statusCode: outcome.statusCode,
      durationMs: outcome.durationMs,
      responseBody: outcome.responseBody,
      errorCode: outcome.errorCode,
      error: outcome.error,
    };
    this.measure(hook, outcome, at);
    const attempts = delivery.attempts + 1;
    const delay = outcome.ok || !message ? undefined : retryDelay(this.config.webhookRetryScheduleMs, attempts);
    const status = outcome.ok
      ? WebhookDeliveryStatus.SUCCEEDED
      : delay === undefined
        ? WebhookDeliveryStatus.FAILED
        : WebhookDeliveryStatus.PENDING;
    const finished = status === WebhookDeliveryStatus.PENDING ? null : new Date();
    await this.deliveries
      .updateOne(
        { _id: delivery._id },
        {
          $set: {
            status,
            attempts,
            nextAttemptAt: delay === undefined ? null : new Date(Date.now() + delay),
            finishedAt: finished,
            expiresAt: finished && new Date(finished.getTime() + this.config.webhookRetentionMs),
          },
          $push: { attemptLog: { $each: [record], $slice: -MAX_KEPT_ATTEMPTS } },
        },
      )
      .exec();
    if (outcome.ok) {
      if (hook.failingSince) {
        await this.webhooks.updateOne({ _id: hook._id }, { $set: { failingSince: null, lastFailureAt: null } }).exec();
      }
      return;
    }
    this.logger.debug(
      `Delivery ${delivery.eventId} to webhook ${hook._id.toHexString()} failed (${outcome.errorCode}); ${status}`,
    );
    await this.noteFailure(hook, at);
  }

  /**
   * Hands the attempt's outcome and latency to the project's metrics; a listener's failure is not
   * the delivery's. An attempt that sent nothing (the event is gone, the address is refused) has
   * no latency to speak of: it is counted apart, so that it does not pull latencies down as a 0.
   */
  private measure(hook: WebhookRecord, outcome: AttemptOutcome, at: Date): void {
    const unsent = outcome.statusCode === null && outcome.errorCode !== null && UNSENT.has(outcome.errorCode);
    const measurement: Measurement = unsent
      ? {
          projectId: hook.projectId.toHexString(),
          name: 'slipway.webhook.unsent',
          value: 1,
          unit: 'count',
          labels: { reason: outcome.errorCode! },
          at,
        }
      : {
          projectId: hook.projectId.toHexString(),
          name: 'slipway.webhook.delivery',
          value: outcome.durationMs,
          unit: 'ms',
          labels: { outcome: outcome.ok ? 'delivered' : 'failed' },
          at,
        };
    try {
      this.emitter.emit(MEASURED, measurement);
    } catch (error) {
      this.logger.warn(`Could not measure a webhook delivery: ${(error as Error).message}`);
    }
  }

  /**
   * The event a delivery carries. An event goes to each of its endpoints within moments, so the
   * ones read lately are kept (they never change) and the other endpoints' deliveries skip the read.
   */
  private async message(eventId: string): Promise<WebhookMessageRecord | null> {
    const known = this.recentMessages.get(eventId);
    if (known) return known;
    const generation = this.recentMessages.generation();
    const message = await this.messages.findOne({ eventId }).lean<WebhookMessageRecord>().exec();
    if (message) this.recentMessages.set(eventId, message, generation);
    return message;
  }

  private async send(hook: WebhookRecord, message: WebhookMessageRecord, at: Date): Promise<AttemptOutcome> {
    const signatures = this.secrets
      .signingSecrets(hook, at)
      .map((secret) => new StandardWebhook(secret).sign(message.eventId, at, message.body));
    const url = new URL(hook.url);
    try {
      // A name is checked by the lookup as it connects; an address written in the URL is not looked up.
      if (literalAddress(url)) await this.addresses.check(url);
      return await postWebhook(
        url,
        {
          'webhook-id': message.eventId,
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': signatures.join(' '),
        },
        message.body,
        { timeoutMs: this.config.WEBHOOK_TIMEOUT_MS, maxBodyBytes: MAX_RESPONSE_BYTES, lookup: this.addresses.lookup },
      );
    } catch (error) {
      if (error instanceof AppException) return failure(error.reason ?? 'REQUEST_FAILED', error.message);
      throw error;
    }
  }

  /**
   * Remembers since when the endpoint fails, and disables it once that is WEBHOOK_DISABLE_AFTER
   * ago. A failure after a quiet time longer than the schedule's pauses starts a new period, so an
   * endpoint whose last delivery failed days ago is not disabled by its next single failure.
   */
  private async noteFailure(hook: WebhookRecord, at: Date): Promise<void> {
    const since = failingPeriodStart(
      { failingSince: hook.failingSince, lastFailureAt: hook.lastFailureAt ?? null },
      at,
      this.config.webhookRetryScheduleMs,
    );
    // Unless the period was ended meanwhile (the URL changed, the endpoint was enabled again).
    const noted = await this.webhooks
      .updateOne(
        { _id: hook._id, failingSince: hook.failingSince ?? null },
        { $set: { failingSince: since, lastFailureAt: at } },
      )
      .exec();
    if (noted.matchedCount === 0) return;
    if (at.getTime() - since.getTime() < this.config.webhookDisableAfterMs) return;
    const reason = `Every delivery attempt has failed since ${since.toISOString()} (for longer than ${this.config.WEBHOOK_DISABLE_AFTER})`;
    const disabled = await this.webhooks
      .updateOne(
        { _id: hook._id, enabled: true },
        { $set: { enabled: false, disabledReason: reason, disabledAt: new Date() } },
      )
      .exec();
    if (disabled.modifiedCount === 0) return;
    const projectId = hook.projectId.toHexString();
    this.logger.warn(`Disabled webhook ${hook._id.toHexString()} of project ${projectId}: ${reason}`);
    await this.outbox.forgetProject(projectId);
    await this.events.publish(new WebhookDisabledEvent(projectId, hook._id.toHexString(), hook.url, reason));
  }
}

function failure(errorCode: string, error: string): AttemptOutcome {
  return { ok: false, statusCode: null, durationMs: 0, responseBody: null, errorCode, error };
}
