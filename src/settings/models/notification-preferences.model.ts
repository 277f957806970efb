import { Field, ID, ObjectType, registerEnumType } from '@nestjs/graphql';
import { NotificationChannel } from '../project-settings.schema';

registerEnumType(NotificationChannel, {
  name: 'NotificationChannel',
  description: "EMAIL: mail to the rule's recipients. WEBHOOK: the project's webhook endpoints.",
});

@ObjectType({ description: 'Who a notification by email goes to: members by role or by id, and other addresses.' })
export class NotificationRecipients {
  @Field(() => [String], { description: 'Built-in role keys (owner, admin, developer, viewer) or custom role ids.' })
  roles!: string[];

  @Field(() => [ID])
  userIds!: string[];

  @Field(() => [String])
  emails!: string[];
}

@ObjectType()
export class NotificationRule {
  @Field({ description: 'An event (build.failed), every event of a family (build.*), or every event (*).' })
  event!: string;

  @Field(() => [NotificationChannel])
  channels!: NotificationChannel[];

  @Field(() => NotificationRecipients)
  recipients!: NotificationRecipients;
}

@ObjectType({ description: 'Which events notify whom, and how. An event no rule matches notifies no one.' })
export class NotificationPreferences {
  @Field(() => [NotificationRule])
  rules!: NotificationRule[];
}
