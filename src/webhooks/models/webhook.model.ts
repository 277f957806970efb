import { Field, ID, ObjectType } from '@nestjs/graphql';
import type { WebhookRecord } from '../webhook.schema';

@ObjectType({ description: "An endpoint the project's events are sent to, signed as Standard Webhooks specifies." })
export class Webhook {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  projectId!: string;

  @Field()
  url!: string;

  @Field(() => [String])
  events!: string[];

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field()
  enabled!: boolean;

  @Field(() => String, { nullable: true, description: 'Why the platform disabled the endpoint, when it did.' })
  disabledReason!: string | null;

  @Field(() => Date, { nullable: true })
  disabledAt!: Date | null;

  @Field(() => Date, {
    nullable: true,
    description: 'Since when every attempt has failed; null while the endpoint answers.',
  })
  failingSince!: Date | null;

  @Field(() => Date, {
    nullable: true,
    description: 'Until when deliveries are signed with the previous secret as well, after a rotation.',
  })
  previousSecretExpiresAt!: Date | null;

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;

  static from(record: WebhookRecord, now = new Date()): Webhook {
    return Object.assign(new Webhook(), {
      id: record._id.toHexString(),
      projectId: record.projectId.toHexString(),
      url: record.url,
      events: record.events,
      description: record.description ?? null,
      enabled: record.enabled,
      disabledReason: record.disabledReason ?? null,
      disabledAt: record.disabledAt ?? null,
      failingSince: record.failingSince ?? null,
      previousSecretExpiresAt:
        record.previousSecret && record.previousSecretUntil && record.previousSecretUntil > now
          ? record.previousSecretUntil
          : null,
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
    });
  }
}

@ObjectType({ description: 'A webhook and its signing secret, which is shown only now.' })
export class CreatedWebhook {
  @Field(() => Webhook)
  webhook!: Webhook;

  @Field({ description: 'whsec_…: give it to the receiver, which verifies each delivery with it.' })
  secret!: string;
}
