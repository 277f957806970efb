import { Module, type OnModuleInit } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { MongooseModule } from '@nestjs/mongoose';
import { AuthModule } from '../auth/auth.module';
import { AccessGuard } from './access.guard';
import { AccessResolver } from './access.resolver';
import { AccessService } from './access.service';
import { ProjectDeletedListener } from './listeners/project-deleted.listener';
import { PermissionGrantRecord, PermissionGrantSchema } from './permission-grant.schema';
import { PermissionResolver } from './permission-resolver.service';
import { ResourceLocator } from './resource-locator';
import { RoleAssignmentRecord, RoleAssignmentSchema } from './role-assignment.schema';
import { RoleCatalog } from './role-catalog.service';
import { RoleRecord, RoleSchema } from './role.schema';

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
    RoleCatalog,
    PermissionResolver,
    ResourceLocator,
    AccessResolver,
    ProjectDeletedListener,
    { provide: APP_GUARD, useClass: AccessGuard },
  ],
  exports: [AccessService, PermissionResolver, ResourceLocator],
})
export class AccessModule implements OnModuleInit {
  constructor(
    private readonly locator: ResourceLocator,
    private readonly catalog: RoleCatalog,
  ) {}

  onModuleInit(): void {
    this.locator.register('role', (id) => this.catalog.projectOfRole(id));
  }
}
