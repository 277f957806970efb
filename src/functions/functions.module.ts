import { BullModule } from '@nestjs/bull';
import { Module, type OnModuleInit } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AccessModule } from '../access/access.module';
import { ResourceLocator } from '../access/resource-locator';
import { ExecutorModule } from '../executor/executor.module';
import { EnvVarsModule } from '../settings/env-vars/env-vars.module';
import { SettingsModule } from '../settings/settings.module';
import { FunctionInvocationRecord, FunctionInvocationSchema } from './function-invocation.schema';
import { FunctionInvokerService } from './function-invoker.service';
import { FunctionRuntimesService } from './function-runtimes.service';
import { FunctionRecord, FunctionSchema } from './function.schema';
import { FunctionVersionRecord, FunctionVersionSchema } from './function-version.schema';
import { FunctionsResolver } from './functions.resolver';
import { FunctionsService } from './functions.service';
import { InvocationsResolver } from './invocations.resolver';
import { FUNCTIONS_QUEUE } from './jobs/function-jobs';
import { AuthModule } from '../auth/auth.module';
import { ProjectsModule } from '../projects/projects.module';
import { FunctionHttpController } from './triggers/function-http.controller';
import { FunctionSchedulesService } from './triggers/function-schedules.service';
import { FunctionTriggersListener } from './triggers/function-triggers.listener';

const MODELS = MongooseModule.forFeature([
  { name: FunctionRecord.name, schema: FunctionSchema },
  { name: FunctionVersionRecord.name, schema: FunctionVersionSchema },
  { name: FunctionInvocationRecord.name, schema: FunctionInvocationSchema },
]);

/**
 * Serverless functions: versions, the runtime processes they run in (each API and worker process
 * has a pool), invocations and their records. Workers run queued invocations (jobs/).
 */
@Module({
  imports: [
    AccessModule,
    AuthModule,
    ProjectsModule,
    SettingsModule,
    EnvVarsModule,
    ExecutorModule,
    MODELS,
    BullModule.registerQueue({ name: FUNCTIONS_QUEUE }),
  ],
  controllers: [FunctionHttpController],
  providers: [
    FunctionRuntimesService,
    FunctionsService,
    FunctionInvokerService,
    FunctionSchedulesService,
    FunctionTriggersListener,
    FunctionsResolver,
    InvocationsResolver,
  ],
  exports: [FunctionRuntimesService, FunctionsService, FunctionInvokerService, FunctionSchedulesService],
})
export class FunctionsModule implements OnModuleInit {
  constructor(
    private readonly locator: ResourceLocator,
    private readonly functions: FunctionsService,
    private readonly invoker: FunctionInvokerService,
  ) {}

  onModuleInit(): void {
    this.locator.register('function', (id) => this.functions.projectOf(id));
    this.locator.register('invocation', (id) => this.invoker.projectOf(id));
  }
}
