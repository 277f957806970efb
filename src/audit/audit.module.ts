import { Global, Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AuditLogRecord, AuditLogSchema } from './audit-log.schema';
import { AuditResolver } from './audit.resolver';
import { AuditService } from './audit.service';

@Global()
@Module({
  imports: [MongooseModule.forFeature([{ name: AuditLogRecord.name, schema: AuditLogSchema }])],
  providers: [AuditService, AuditResolver],
  exports: [AuditService],
})
export class AuditModule {}
