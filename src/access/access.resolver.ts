import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Ctx } from '../common/context/ctx.decorator';
import type { RequestContext } from '../common/context/request-context';
import { ConnectionType } from '../common/pagination/connection';
import { Authenticated, RequirePermission } from './access.decorators';
import { AccessService } from './access.service';
import { AssignRoleInput } from './dto/assign-role.input';
import { CheckPermissionArgs } from './dto/check-permission.args';
import { CreateRoleInput } from './dto/create-role.input';
import { DeleteRoleInput } from './dto/delete-role.input';
import { GrantPermissionInput } from './dto/grant-permission.input';
import { ProjectScopeArgs } from './dto/project-scope.args';
import { RemoveRoleInput } from './dto/remove-role.input';
import { RevokePermissionInput } from './dto/revoke-permission.input';
import { UpdateRolePermissionsInput } from './dto/update-role-permissions.input';
import { UserRolesArgs } from './dto/user-roles.args';
import { PermissionCheck } from './models/permission-check.model';
import { PermissionGrant } from './models/permission-grant.model';
import { RoleAssignment } from './models/role-assignment.model';
import { Role } from './models/role.model';
import { PermissionEnum } from './permission.enum';
import { PERMISSIONS, type Permission } from './permissions';
import { RolesService } from './roles.service';
import { RoleAssignmentsService } from './role-assignments.service';
import { PermissionGrantsService } from './permission-grants.service';

const RoleAssignmentConnection = ConnectionType(RoleAssignment);
const ROLE = { entity: 'role', idArg: 'input.roleId' } as const;

@Resolver()
export class AccessResolver {
  constructor(
    private readonly access: AccessService,
    private readonly rolesService: RolesService,
    private readonly assignments: RoleAssignmentsService,
    private readonly grants: PermissionGrantsService,
  ) {}

  @Query(() => [PermissionEnum], { description: 'Every permission in the catalogue.' })
  @Authenticated()
  permissions(): readonly Permission[] {
    return PERMISSIONS;
  }

  @Query(() => [Role], { description: 'The built-in roles and the project’s custom roles.' })
  @RequirePermission('role:read')
  roles(@Args() args: ProjectScopeArgs): Promise<Role[]> {
    return this.rolesService.list(args.projectId);
  }

  @Mutation(() => Role)
  @RequirePermission('role:create')
  createRole(@Ctx() ctx: RequestContext, @Args('input') input: CreateRoleInput): Promise<Role> {
    return this.rolesService.create(ctx, input);
  }

  @Mutation(() => Role, { description: 'Replaces the permissions of a custom role.' })
  @RequirePermission('role:update', ROLE)
  updateRolePermissions(@Ctx() ctx: RequestContext, @Args('input') input: UpdateRolePermissionsInput): Promise<Role> {
    return this.rolesService.updatePermissions(ctx, input.roleId, input.permissions);
  }

  @Mutation(() => Boolean, { description: 'Deletes a custom role; its holders lose it.' })
  @RequirePermission('role:delete', ROLE)
  deleteRole(@Ctx() ctx: RequestContext, @Args('input') input: DeleteRoleInput): Promise<boolean> {
    return this.rolesService.delete(ctx, input.roleId);
  }

  @Mutation(() => RoleAssignment, { description: 'Gives a user a role, optionally until `expiresAt`.' })
  @RequirePermission('role:assign')
  assignRole(@Ctx() ctx: RequestContext, @Args('input') input: AssignRoleInput): Promise<RoleAssignment> {
    return this.assignments.assign(ctx, input);
  }

  @Mutation(() => Boolean)
  @RequirePermission('role:assign')
  removeRole(@Ctx() ctx: RequestContext, @Args('input') input: RemoveRoleInput): Promise<boolean> {
    return this.assignments.remove(ctx, input);
  }

  @Mutation(() => PermissionGrant, { description: 'Grants one permission directly, optionally until `expiresAt`.' })
  @RequirePermission('role:assign')
  grantPermission(@Ctx() ctx: RequestContext, @Args('input') input: GrantPermissionInput): Promise<PermissionGrant> {
    return this.grants.grant(ctx, input);
  }

  @Mutation(() => Boolean)
  @RequirePermission('role:assign')
  revokePermission(@Ctx() ctx: RequestContext, @Args('input') input: RevokePermissionInput): Promise<boolean> {
    return this.grants.revoke(ctx, input);
  }

  @Query(() => RoleAssignmentConnection, { description: 'Active role assignments in a project.' })
  @RequirePermission('role:read')
  userRoles(@Args() args: UserRolesArgs) {
    return this.assignments.list(args);
  }

  @Query(() => PermissionCheck, { description: 'Whether a user (the caller by default) holds a permission now.' })
  @RequirePermission('project:read')
  checkPermission(@Ctx() ctx: RequestContext, @Args() args: CheckPermissionArgs): Promise<PermissionCheck> {
    return this.access.checkPermission(ctx, args.projectId, args.permission, args.userId);
  }
}
