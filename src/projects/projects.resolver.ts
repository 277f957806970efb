import { Inject } from '@nestjs/common';
import { Args, Context, Mutation, Query, Resolver, Subscription } from '@nestjs/graphql';
import { withFilter, type PubSubEngine } from 'graphql-subscriptions';
import { Authenticated, RequirePermission } from '../access/access.decorators';
import { PermissionResolver } from '../access/permission-resolver.service';
import { AuthService } from '../auth/auth.service';
import { Ctx } from '../common/context/ctx.decorator';
import type { GraphQLContext } from '../common/context/graphql-context';
import type { RequestContext } from '../common/context/request-context';
import { projectEventsTrigger, type ProjectEventMessage } from '../common/events/event-bus';
import { ConnectionType } from '../common/pagination/connection';
import { PageArgs } from '../common/pagination/page-args';
import { PUB_SUB } from '../common/pubsub/pubsub.token';
import { CreateProjectInput } from './dto/create-project.input';
import { DeleteProjectInput } from './dto/delete-project.input';
import { ProjectIdArgs } from './dto/project-id.args';
import { ProjectScopeArgs } from '../access/dto/project-scope.args';
import { UpdateProjectInput } from './dto/update-project.input';
import { ProjectEvent } from './project-event.model';
import { Project } from './project.schema';
import { ProjectsService } from './projects.service';

const ProjectConnection = ConnectionType(Project);
const BY_ID = { projectIdArg: 'id' } as const;
const BY_INPUT_ID = { projectIdArg: 'input.id' } as const;
/** How long a live stream trusts its last permission check. */
const RECHECK_AFTER_MS = 5_000;

@Resolver(() => Project)
export class ProjectsResolver {
  constructor(
    private readonly service: ProjectsService,
    private readonly permissions: PermissionResolver,
    private readonly auth: AuthService,
    @Inject(PUB_SUB) private readonly pubSub: PubSubEngine,
  ) {}

  @Mutation(() => Project, { description: 'Creates a project; the caller becomes its owner.' })
  @Authenticated()
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
    description: 'Live events of a project (project.*, role.*, …), from every API process.',
    // Messages cross Redis as JSON, so the timestamp arrives as a string.
    resolve: (message: ProjectEventMessage) => ({ ...message, occurredAt: new Date(message.occurredAt) }),
  })
  @RequirePermission('project:read')
  projectEvents(@Args() args: ProjectScopeArgs, @Context() context: GraphQLContext) {
    const ctx = context.ctx ?? context.req?.slipwayContext;
    const userId = ctx?.user?.id;
    // Ids are hex: events are published under the canonical lower-case spelling.
    const projectId = args.projectId.toLowerCase();
    let checkedAt = Date.now();
    let allowed = true;
    // The stream outlives the check the guard made when it opened: re-check as events flow.
    const stillAllowed = async (): Promise<boolean> => {
      if (!userId) return false;
      if (Date.now() - checkedAt > RECHECK_AFTER_MS) {
        const stillSignedIn = await this.auth
          .revalidate(ctx!.user!)
          .then(() => true)
          .catch(() => false);
        const effective = await this.permissions.resolve(userId, projectId);
        allowed = stillSignedIn && effective.permissions.has('project:read');
        checkedAt = Date.now();
      }
      return allowed;
    };
    return withFilter(
      () => this.pubSub.asyncIterableIterator<ProjectEventMessage>(projectEventsTrigger(projectId)),
      (message: ProjectEventMessage | undefined) =>
        message !== undefined && message.projectId === projectId ? stillAllowed() : false,
    )(undefined, args, context, undefined as never);
  }
}
