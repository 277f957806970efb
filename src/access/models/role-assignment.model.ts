import { Field, ID, ObjectType } from '@nestjs/graphql';
import { Role } from './role.model';

@ObjectType()
export class RoleAssignment {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  projectId!: string;

  @Field(() => ID)
  userId!: string;

  @Field(() => Role)
  role!: Role;

  @Field(() => Date, { nullable: true, description: 'When the access ends by itself; null means never.' })
  expiresAt!: Date | null;

  @Field(() => ID, { nullable: true })
  grantedBy!: string | null;

  @Field()
  createdAt!: Date;
}
