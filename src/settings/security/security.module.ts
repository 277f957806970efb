import { Module, type OnModuleInit } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AccessModule } from '../../access/access.module';
import { OperationPolicies } from '../../access/operation-policies';
import { SecurityCleanupListener } from './listeners/security-cleanup.listener';
import { SecurityPolicy } from './security-policy';
import { SecuritySettingsRecord, SecuritySettingsSchema } from './security-settings.schema';
import { SecurityResolver } from './security.resolver';
import { SecurityService } from './security.service';

@Module({
  imports: [
    AccessModule,
    MongooseModule.forFeature([{ name: SecuritySettingsRecord.name, schema: SecuritySettingsSchema }]),
  ],
  providers: [SecurityService, SecurityPolicy, SecurityResolver, SecurityCleanupListener],
  exports: [SecurityService],
})
export class SecurityModule implements OnModuleInit {
  constructor(
    private readonly policies: OperationPolicies,
    private readonly policy: SecurityPolicy,
  ) {}

  onModuleInit(): void {
    this.policies.register(this.policy);
  }
}
