import { Field, ID, ObjectType } from '@nestjs/graphql';
import { PermissionEnum } from '../permission.enum';
import type { Permission } from '../permissions';

@ObjectType()
export class PermissionGrant {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  projectId!: string;

  @Field(() => ID)
  userId!: string;

  @Field(() => PermissionEnum)
  permission!: Permission;

  @Field(() => Date, { nullable: true })
  expiresAt!: Date | null;

  @Field(() => ID, { nullable: true })
  grantedBy!: string | null;

  @Field()
  createdAt!: Date;
}
