import { Args, Mutation, Query, Resolver, Subscription } from '@nestjs/graphql';
import { Authenticated, RequirePermission } from '../access/access.decorators';
import { ProjectScopeArgs } from '../access/dto/project-scope.args';
import { LiveStreamsService } from '../access/live-streams.service';
import { mayRead } from '../access/read-permissions';
import { AuditProjectFrom } from '../audit/audit-project.decorator';
import { Ctx } from '../common/context/ctx.decorator';
import type { RequestContext } from '../common/context/request-context';
import { projectEventsTrigger, type ProjectEventMessage } from '../common/events/event-bus';
import { ConnectionType } from '../common/pagination/connection';
import { PageArgs } from '../common/pagination/page.args';
import { CreateProjectInput } from './dto/create-project.input';
import { DeleteProjectInput } from './dto/delete-project.input';
import { ProjectIdArgs } from './dto/project-id.args';
import { UpdateProjectInput } from './dto/update-project.input';
import { Project } from './models/project.model';
import { ProjectEvent } from './models/project-event.model';
import { ProjectsService } from './projects.service';

const ProjectConnection = ConnectionType(Project);
const BY_ID = { projectIdArg: 'id' } as const;
const BY_INPUT_ID = { projectIdArg: 'input.id' } as const;

@Resolver(() => Project)
export class ProjectsResolver {
  constructor(
    private readonly service: ProjectsService,
    private readonly streams: LiveStreamsService,
  ) {}

  @Mutation(() => Project, { description: 'Creates a project; the caller becomes its owner.' })
  @Authenticated()
  @AuditProjectFrom('id')
  createProject(@Ctx() ctx: RequestContext, @Args('input') input: CreateProjectInput): Promise<Project> {
    return this.service.create(ctx, input);
  }

  @Query(() => ProjectConnection, { description: 'Projects the caller belongs to, newest first.' })
  @Authenticated()
  projects(@Ctx() ctx: RequestContext, @Args() args: PageArgs) {
    return this.service.list(ctx, args);
  }

  @Query(() => Project)
  @RequirePermission('project:read', BY_ID)
  project(@Args() args: ProjectIdArgs): Promise<Project> {
    return this.service.get(args.id);
  }

  @Mutation(() => Project)
  @RequirePermission('project:update', BY_INPUT_ID)
  updateProject(@Ctx() ctx: RequestContext, @Args('input') input: UpdateProjectInput): Promise<Project> {
    return this.service.update(ctx, input);
  }

  @Mutation(() => Boolean)
  @RequirePermission('project:delete', BY_INPUT_ID)
  deleteProject(@Ctx() ctx: RequestContext, @Args('input') input: DeleteProjectInput): Promise<boolean> {
    return this.service.delete(ctx, input.id);
  }

  @Subscription(() => ProjectEvent, {
    description:
      'Live events of a project (project.*, role.*, …), from every API process. Ends with an error when the caller loses access.',
    // Messages cross Redis as JSON, so the timestamp arrives as a string.
    resolve: (message: ProjectEventMessage) => ({ ...message, occurredAt: new Date(message.occurredAt) }),
  })
  @RequirePermission('project:read')
  projectEvents(@Ctx() ctx: RequestContext, @Args() args: ProjectScopeArgs) {
    return this.streams.open<ProjectEventMessage>(ctx, {
      trigger: projectEventsTrigger(args.projectId),
      projectId: args.projectId,
      permission: 'project:read',
      operation: 'subscription.projectEvents',
      // Events of a member, an env key, a token, a role or a webhook only to those who may read them.
      visible: (message, permissions) => mayRead(message.name.split('.')[0]!, permissions),
    });
  }
}
