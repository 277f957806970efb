import { Field, ID, ObjectType } from '@nestjs/graphql';
import type { RoleAssignmentRecord } from '../role-assignment.schema';
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

  static from(record: RoleAssignmentRecord, role: Role): RoleAssignment {
    return Object.assign(new RoleAssignment(), {
      id: record._id.toHexString(),
      projectId: record.projectId.toHexString(),
      userId: record.userId.toHexString(),
      role,
      expiresAt: record.expiresAt,
      grantedBy: record.grantedBy,
      createdAt: record.createdAt,
    });
  }
}
