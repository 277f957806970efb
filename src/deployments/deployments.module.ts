import { Module, type OnModuleInit } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AccessModule } from '../access/access.module';
import { ResourceLocator } from '../access/resource-locator';
import { ProjectsModule } from '../projects/projects.module';
import { DeploymentRecord, DeploymentSchema, ProductionAliasRecord, ProductionAliasSchema } from './deployment.schema';
import { DeploymentsController } from './deployments.controller';
import { DeploymentsResolver } from './deployments.resolver';
import { DeploymentsService } from './deployments.service';

@Module({
  imports: [
    AccessModule,
    ProjectsModule,
    MongooseModule.forFeature([
      { name: DeploymentRecord.name, schema: DeploymentSchema },
      { name: ProductionAliasRecord.name, schema: ProductionAliasSchema },
    ]),
  ],
  controllers: [DeploymentsController],
  providers: [DeploymentsService, DeploymentsResolver],
  exports: [DeploymentsService],
})
export class DeploymentsModule implements OnModuleInit {
  constructor(
    private readonly locator: ResourceLocator,
    private readonly deployments: DeploymentsService,
  ) {}

  onModuleInit(): void {
    this.locator.register('deployment', (id) => this.deployments.projectOf(id));
  }
}
