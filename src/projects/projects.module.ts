import { Module, type OnModuleInit } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AccessModule } from '../access/access.module';
import { ResourceLocator } from '../access/resource-locator';
import { ProjectCountRecord, ProjectCountSchema } from './project-count.schema';
import { ProjectRecord, ProjectSchema } from './project.schema';
import { ProjectsResolver } from './projects.resolver';
import { ProjectsService } from './projects.service';

@Module({
  imports: [
    AccessModule,
    MongooseModule.forFeature([
      { name: ProjectRecord.name, schema: ProjectSchema },
      { name: ProjectCountRecord.name, schema: ProjectCountSchema },
    ]),
  ],
  providers: [ProjectsService, ProjectsResolver],
  exports: [ProjectsService],
})
export class ProjectsModule implements OnModuleInit {
  constructor(
    private readonly locator: ResourceLocator,
    private readonly projects: ProjectsService,
  ) {}

  onModuleInit(): void {
    this.locator.register('project', (id) => this.projects.exists(id));
  }
}
