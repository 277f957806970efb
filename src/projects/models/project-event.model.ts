import { Field, ID, ObjectType } from '@nestjs/graphql';
import { GraphQLJSON } from '../../common/graphql/json.scalar';

@ObjectType({ description: 'Something that happened in a project, as it happens.' })
export class ProjectEvent {
  @Field({ description: 'For example `project.updated` or `role.assigned`.' })
  name!: string;

  @Field(() => ID)
  projectId!: string;

  @Field(() => ID, { nullable: true })
  actorId!: string | null;

  @Field()
  occurredAt!: Date;

  @Field(() => GraphQLJSON)
  payload!: Record<string, unknown>;
}
