import { Field, ID, ObjectType } from '@nestjs/graphql';
import { Role } from '../../../access/models/role.model';

@ObjectType({ description: 'A member’s account.' })
export class MemberUser {
  @Field(() => ID)
  id!: string;

  @Field()
  email!: string;

  @Field()
  name!: string;
}

@ObjectType({ description: 'A user holding at least one role in a project.' })
export class Member {
  @Field(() => ID)
  projectId!: string;

  @Field(() => MemberUser)
  user!: MemberUser;

  @Field(() => [Role], { description: 'The roles the member holds now.' })
  roles!: Role[];

  @Field({ description: 'When the earliest role the member still holds was given.' })
  joinedAt!: Date;

  @Field(() => String, {
    nullable: true,
    description: 'Who gave that role: a user id, or `token:<id>` for an API token; null when unknown.',
  })
  invitedBy!: string | null;

  @Field(() => Date, {
    nullable: true,
    description: 'The member’s latest entry in the project’s activity feed; null when the feed has none.',
  })
  lastActiveAt!: Date | null;
}
