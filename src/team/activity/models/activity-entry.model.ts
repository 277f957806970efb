import { Field, ID, ObjectType } from '@nestjs/graphql';
import { GraphQLJSON } from '../../../common/graphql/json.scalar';
import type { ActivityEntryRecord } from '../activity-entry.schema';

@ObjectType({ description: 'What an activity entry happened to.' })
export class ActivityObject {
  @Field({ description: 'The kind of object, the event’s family: `project`, `member`, `build`, `domain`, …' })
  type!: string;

  @Field(() => String, { nullable: true, description: 'The object’s id, when it has one.' })
  id!: string | null;

  @Field(() => String, { nullable: true, description: 'A short label: a name, a hostname, a branch, an email.' })
  name!: string | null;
}

/** What an activity entry looks like on the PubSub: JSON, so its time is a string. */
export interface ActivityMessage {
  id: string;
  projectId: string;
  actorId: string | null;
  actorEmail: string | null;
  actorName: string | null;
  verb: string;
  object: ActivityObject;
  event: string;
  occurredAt: string;
  payload: Record<string, unknown>;
}

@ObjectType({ description: 'One step of a project’s activity: who did what to what, and when.' })
export class ActivityEntry {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  projectId!: string;

  @Field(() => String, {
    nullable: true,
    description: 'A user id, `token:<id>` for an API token, or null when the platform did it (a job).',
  })
  actorId!: string | null;

  @Field(() => String, { nullable: true, description: 'The acting user’s email, when a user acted.' })
  actorEmail!: string | null;

  @Field(() => String, { nullable: true, description: 'The acting user’s name, when a user acted.' })
  actorName!: string | null;

  @Field({ description: 'What happened, from the event’s name: `created`, `removed`, `role_changed`, …' })
  verb!: string;

  @Field(() => ActivityObject)
  object!: ActivityObject;

  @Field({ description: 'The domain event the entry records, such as `member.removed`.' })
  event!: string;

  @Field()
  occurredAt!: Date;

  @Field(() => GraphQLJSON, { description: 'The event’s own data, as project event subscribers see it.' })
  payload!: Record<string, unknown>;

  static from(record: ActivityEntryRecord): ActivityEntry {
    return Object.assign(new ActivityEntry(), {
      id: record._id.toHexString(),
      projectId: record.projectId.toHexString(),
      actorId: record.actorId,
      actorEmail: record.actorEmail,
      actorName: record.actorName,
      verb: record.verb,
      object: Object.assign(new ActivityObject(), {
        type: record.objectType,
        id: record.objectId,
        name: record.objectName,
      }),
      event: record.event,
      occurredAt: record.occurredAt,
      payload: record.payload ?? {},
    });
  }

  static fromMessage(message: ActivityMessage): ActivityEntry {
    return Object.assign(new ActivityEntry(), {
      ...message,
      object: Object.assign(new ActivityObject(), message.object),
      occurredAt: new Date(message.occurredAt),
    });
  }
}
