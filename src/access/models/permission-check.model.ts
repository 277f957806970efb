import { Field, ID, ObjectType } from '@nestjs/graphql';
import { PermissionEnum } from '../permission.enum';
import type { Permission } from '../permissions';

@ObjectType()
export class PermissionCheck {
  @Field(() => ID)
  userId!: string;

  @Field(() => PermissionEnum)
  permission!: Permission;

  @Field()
  allowed!: boolean;

  @Field(() => [String], { description: 'What grants it: `role:<id>` or `grant:<id>` entries.' })
  sources!: string[];
}
