import { Field, ID, ObjectType } from '@nestjs/graphql';
import { PermissionEnum } from '../permission.enum';
import type { PermissionGrantRecord } from '../permission-grant.schema';
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

  static from(record: PermissionGrantRecord): PermissionGrant {
    return Object.assign(new PermissionGrant(), {
      id: record._id.toHexString(),
      projectId: record.projectId.toHexString(),
      userId: record.userId.toHexString(),
      permission: record.permission as Permission,
      expiresAt: record.expiresAt,
      grantedBy: record.grantedBy,
      createdAt: record.createdAt,
    });
  }
}
