import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import {
  WebhookDeliveryStatus,
  type WebhookAttemptRecord,
  type WebhookDeliveryRecord,
} from '../webhook-delivery.schema';

registerEnumType(WebhookDeliveryStatus, { name: 'WebhookDeliveryStatus' });

@ObjectType({ description: 'One attempt at calling an endpoint.' })
export class WebhookAttempt {
  @Field()
  at!: Date;

  @Field(() => Int, { nullable: true, description: "The endpoint's HTTP status; null when it did not answer." })
  statusCode!: number | null;

  @Field(() => Int)
  durationMs!: number;

  @Field(() => String, { nullable: true, description: 'The first 4 KiB of the answer.' })
  responseBody!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Why it failed: HTTP_STATUS, REDIRECT, TIMEOUT, FORBIDDEN_ADDRESS, ECONNREFUSED, …',
  })
  errorCode!: string | null;

  @Field(() => String, { nullable: true })
  error!: string | null;

  static from(record: WebhookAttemptRecord): WebhookAttempt {
    return Object.assign(new WebhookAttempt(), {
      at: record.at,
      statusCode: record.statusCode ?? null,
      durationMs: record.durationMs,
      responseBody: record.responseBody ?? null,
      errorCode: record.errorCode ?? null,
      error: record.error ?? null,
    });
  }
}

@ObjectType({ description: 'An event on its way to one endpoint.' })
export class WebhookDelivery {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  webhookId!: string;

  @Field({
    description:
      'The webhook-id header (msg_…), the same on every attempt and redelivery: receivers deduplicate on it.',
  })
  eventId!: string;

  @Field({ description: "The event's name, e.g. settings.updated or webhook.ping." })
  event!: string;

  @Field(() => WebhookDeliveryStatus)
  status!: WebhookDeliveryStatus;

  @Field(() => Int)
  attempts!: number;

  @Field(() => Date, { nullable: true })
  nextAttemptAt!: Date | null;

  @Field(() => WebhookAttempt, { nullable: true })
  lastAttempt!: WebhookAttempt | null;

  @Field(() => [WebhookAttempt], { description: 'The latest attempts, oldest first.' })
  attemptHistory!: WebhookAttempt[];

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;

  @Field()
  createdAt!: Date;

  static from(record: WebhookDeliveryRecord): WebhookDelivery {
    const history = (record.attemptLog ?? []).map((attempt) => WebhookAttempt.from(attempt));
    return Object.assign(new WebhookDelivery(), {
      id: record._id.toHexString(),
      webhookId: record.webhookId.toHexString(),
      eventId: record.eventId,
      event: record.event,
      status: record.status,
      attempts: record.attempts,
      nextAttemptAt: record.nextAttemptAt ?? null,
      lastAttempt: history.at(-1) ?? null,
      attemptHistory: history,
      finishedAt: record.finishedAt ?? null,
      createdAt: record.createdAt,
    });
  }
}
