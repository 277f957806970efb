import { Field, ID, ObjectType } from '@nestjs/graphql';

@ObjectType({ description: 'A user who stopped being a member of a project.' })
export class RemovedMember {
  @Field(() => ID)
  projectId!: string;

  @Field(() => ID)
  userId!: string;

  @Field(() => [String], { description: 'The roles the user held until then.' })
  roleIds!: string[];
}
