import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { PermissionEnum } from '../permission.enum';
import { BUILT_IN_ROLE_NAMES, BUILT_IN_ROLE_PERMISSIONS, type BuiltInRole, type Permission } from '../permissions';
import type { RoleRecord } from '../role.schema';

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

  static from(record: RoleRecord, userCount: number): Role {
    return Object.assign(new Role(), {
      id: record._id.toHexString(),
      projectId: record.projectId.toHexString(),
      name: record.name,
      description: record.description,
      builtIn: false,
      permissions: record.permissions as Permission[],
      userCount,
      createdAt: record.createdAt,
    });
  }

  static builtIn(key: BuiltInRole, userCount: number): Role {
    return Object.assign(new Role(), {
      id: key,
      projectId: null,
      name: BUILT_IN_ROLE_NAMES[key],
      description: `Built-in ${BUILT_IN_ROLE_NAMES[key]} role`,
      builtIn: true,
      permissions: [...BUILT_IN_ROLE_PERMISSIONS[key]],
      userCount,
      createdAt: null,
    });
  }

  /** Stands in for a role deleted while an assignment page was being read. */
  static deleted(roleId: string): Role {
    return Object.assign(new Role(), {
      id: roleId,
      projectId: null,
      name: '(deleted role)',
      description: '',
      builtIn: false,
      permissions: [],
      userCount: 0,
      createdAt: null,
    });
  }
}
