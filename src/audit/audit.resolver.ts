import { Args, Query, Resolver } from '@nestjs/graphql';
import { RequirePermission } from '../access/access.decorators';
import { ConnectionType } from '../common/pagination/connection';
import { AuditService } from './audit.service';
import { AuditLogsArgs } from './dto/audit-logs.args';
import { AuditLog } from './models/audit-log.model';

const AuditLogConnection = ConnectionType(AuditLog);

@Resolver(() => AuditLog)
export class AuditResolver {
  constructor(private readonly audit: AuditService) {}

  @Query(() => AuditLogConnection, { description: 'Mutations and denied attempts in a project, newest first.' })
  @RequirePermission('audit:read')
  auditLogs(@Args() args: AuditLogsArgs) {
    return this.audit.list(args);
  }
}
