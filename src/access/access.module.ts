import { Module, type OnModuleInit } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { MongooseModule } from '@nestjs/mongoose';
import { AuthModule } from '../auth/auth.module';
import { AccessGuard } from './access.guard';
import { AccessMaintenanceService } from './access-maintenance.service';
import { AccessResolver } from './access.resolver';
import { AccessService } from './access.service';
import { EffectivePermissionsService } from './effective-permissions.service';
import { ProjectDeletedListener } from './listeners/project-deleted.listener';
import { LiveStreamsService } from './live-streams.service';
import { PermissionGrantRecord, PermissionGrantSchema } from './permission-grant.schema';
import { PermissionGrantsService } from './permission-grants.service';
import { OperationPolicies } from './operation-policies';
import { ResourceLocator } from './resource-locator';
import { RoleAssignmentRecord, RoleAssignmentSchema } from './role-assignment.schema';
import { RoleAssignmentsService } from './role-assignments.service';
import { RoleRecord, RoleSchema } from './role.schema';
import { RolesService } from './roles.service';

@Module({
  imports: [
    AuthModule,
    MongooseModule.forFeature([
      { name: RoleRecord.name, schema: RoleSchema },
      { name: RoleAssignmentRecord.name, schema: RoleAssignmentSchema },
      { name: PermissionGrantRecord.name, schema: PermissionGrantSchema },
    ]),
  ],
  providers: [
    AccessService,
    EffectivePermissionsService,
    RolesService,
    RoleAssignmentsService,
    PermissionGrantsService,
    AccessMaintenanceService,
    LiveStreamsService,
    ResourceLocator,
    OperationPolicies,
    AccessResolver,
    ProjectDeletedListener,
    { provide: APP_GUARD, useClass: AccessGuard },
  ],
  exports: [
    AccessService,
    EffectivePermissionsService,
    RoleAssignmentsService,
    RolesService,
    PermissionGrantsService,
    AccessMaintenanceService,
    LiveStreamsService,
    ResourceLocator,
    OperationPolicies,
  ],
})
export class AccessModule implements OnModuleInit {
  constructor(
    private readonly locator: ResourceLocator,
    private readonly roles: RolesService,
  ) {}

  onModuleInit(): void {
    this.locator.register('role', (id) => this.roles.projectOfRole(id));
  }
}
