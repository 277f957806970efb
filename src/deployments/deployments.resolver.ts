import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { RequirePermission } from '../access/access.decorators';
import { Ctx } from '../common/context/ctx.decorator';
import type { RequestContext } from '../common/context/request-context';
import { ConnectionType } from '../common/pagination/connection';
import { DeploymentsService } from './deployments.service';
import { DeploymentIdArgs } from './dto/deployment-id.args';
import { DeploymentRefInput } from './dto/deployment-ref.input';
import { DeploymentsArgs } from './dto/deployments.args';
import { RollbackDeploymentInput } from './dto/rollback-deployment.input';
import { Deployment } from './models/deployment.model';

const DeploymentConnection = ConnectionType(Deployment);

@Resolver(() => Deployment)
export class DeploymentsResolver {
  constructor(private readonly service: DeploymentsService) {}

  @Query(() => DeploymentConnection, { description: "A project's deployments, newest first." })
  @RequirePermission('deployment:read')
  deployments(@Args() args: DeploymentsArgs) {
    return this.service.list(args);
  }

  @Query(() => Deployment)
  @RequirePermission('deployment:read', { entity: 'deployment', idArg: 'id' })
  deployment(@Args() args: DeploymentIdArgs): Promise<Deployment> {
    return this.service.get(args.id);
  }

  @Mutation(() => Deployment, {
    description: "Makes a deployment the project's production one, at once, without a rebuild.",
  })
  @RequirePermission('deployment:promote', { entity: 'deployment', idArg: 'input.deploymentId' })
  promoteDeployment(@Ctx() ctx: RequestContext, @Args('input') input: DeploymentRefInput): Promise<Deployment> {
    return this.service.promote(ctx, input.deploymentId);
  }

  @Mutation(() => Deployment, { description: 'Serves the previous production deployment again, at once.' })
  @RequirePermission('deployment:rollback', { projectIdArg: 'input.projectId' })
  rollbackDeployment(@Ctx() ctx: RequestContext, @Args('input') input: RollbackDeploymentInput): Promise<Deployment> {
    return this.service.rollback(ctx, input.projectId);
  }
}
