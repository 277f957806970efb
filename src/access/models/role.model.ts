import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { PermissionEnum } from '../permission.enum';
import type { Permission } from '../permissions';

@ObjectType()
export class Role {
  @Field(() => ID, {
    description: 'A built-in role key (`owner`, `admin`, `developer`, `viewer`) or a custom role id.',
  })
  id!: string;

  @Field(() => ID, { nullable: true, description: 'Null for built-in roles, which exist in every project.' })
  projectId!: string | null;

  @Field()
  name!: string;

  @Field()
  description!: string;

  @Field()
  builtIn!: boolean;

  @Field(() => [PermissionEnum])
  permissions!: Permission[];

  @Field(() => Int, { description: 'Users holding the role now (expired assignments excluded).' })
  userCount!: number;

  @Field(() => Date, { nullable: true })
  createdAt!: Date | null;
}
