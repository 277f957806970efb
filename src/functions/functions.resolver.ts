import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Authenticated, RequirePermission } from '../access/access.decorators';
import { AuditSecretArgs } from '../audit/audit-project.decorator';
import { Ctx } from '../common/context/ctx.decorator';
import type { RequestContext } from '../common/context/request-context';
import { ConnectionType } from '../common/pagination/connection';
import { CreateFunctionInput } from './dto/create-function.input';
import { DeployFunctionInput, RollbackFunctionInput } from './dto/deploy-function.input';
import { FunctionRefInput } from './dto/function-ref.input';
import { FunctionIdArgs, FunctionsArgs, FunctionVersionsArgs } from './dto/functions.args';
import { ToggleFunctionInput } from './dto/toggle-function.input';
import { UpdateFunctionCodeInput } from './dto/update-function-code.input';
import { UpdateFunctionInput } from './dto/update-function.input';
import { FunctionRuntimesService } from './function-runtimes.service';
import { FunctionsService } from './functions.service';
import { ServerlessFunction } from './models/function.model';
import { FunctionRuntimeInfo } from './models/function-runtime.model';
import { FunctionVersion } from './models/function-version.model';

const FunctionConnection = ConnectionType(ServerlessFunction);
const FunctionVersionConnection = ConnectionType(FunctionVersion);
const BY_INPUT_PROJECT = { projectIdArg: 'input.projectId' } as const;
const BY_INPUT_FUNCTION = { entity: 'function', idArg: 'input.functionId' } as const;

@Resolver(() => ServerlessFunction)
export class FunctionsResolver {
  constructor(
    private readonly service: FunctionsService,
    private readonly runtimes: FunctionRuntimesService,
  ) {}

  @Query(() => [FunctionRuntimeInfo], {
    name: 'runtimes',
    description: 'Every runtime functions can be written for, with whether this platform has it and its exact version.',
  })
  @Authenticated()
  functionRuntimes(): FunctionRuntimeInfo[] {
    return this.runtimes.list().map((runtime) =>
      Object.assign(new FunctionRuntimeInfo(), {
        id: runtime.id,
        language: runtime.language,
        promised: runtime.promised,
        available: runtime.available,
        version: runtime.version,
        reason: runtime.reason,
      }),
    );
  }

  @Mutation(() => ServerlessFunction, { description: 'Makes a function with its first version, active at once.' })
  @RequirePermission('function:create', BY_INPUT_PROJECT)
  @AuditSecretArgs('input.env', 'input.files')
  createFunction(@Ctx() ctx: RequestContext, @Args('input') input: CreateFunctionInput): Promise<ServerlessFunction> {
    return this.service.create(ctx, input);
  }

  @Mutation(() => ServerlessFunction, { description: "Changes a function's settings; running instances are replaced." })
  @RequirePermission('function:update', BY_INPUT_FUNCTION)
  @AuditSecretArgs('input.env')
  updateFunction(@Ctx() ctx: RequestContext, @Args('input') input: UpdateFunctionInput): Promise<ServerlessFunction> {
    return this.service.update(ctx, input);
  }

  @Mutation(() => ServerlessFunction, { description: 'Removes a function, its versions and its triggers.' })
  @RequirePermission('function:delete', BY_INPUT_FUNCTION)
  deleteFunction(@Ctx() ctx: RequestContext, @Args('input') input: FunctionRefInput): Promise<ServerlessFunction> {
    return this.service.delete(ctx, input.functionId);
  }

  @Mutation(() => ServerlessFunction, {
    description: 'Enables or disables a function; a disabled one refuses invocations.',
  })
  @RequirePermission('function:update', BY_INPUT_FUNCTION)
  toggleFunction(@Ctx() ctx: RequestContext, @Args('input') input: ToggleFunctionInput): Promise<ServerlessFunction> {
    return this.service.toggle(ctx, input.functionId, input.enabled);
  }

  @Mutation(() => FunctionVersion, {
    description:
      'Makes an immutable version of the code (the newest one when the content is the same), optionally deploying it. Go code is compiled here.',
  })
  @RequirePermission('function:update', BY_INPUT_FUNCTION)
  @AuditSecretArgs('input.files')
  updateFunctionCode(
    @Ctx() ctx: RequestContext,
    @Args('input') input: UpdateFunctionCodeInput,
  ): Promise<FunctionVersion> {
    return this.service.updateCode(ctx, input);
  }

  @Mutation(() => ServerlessFunction, { description: 'Makes a version the one invocations run.' })
  @RequirePermission('function:update', BY_INPUT_FUNCTION)
  deployFunction(@Ctx() ctx: RequestContext, @Args('input') input: DeployFunctionInput): Promise<ServerlessFunction> {
    return this.service.deploy(ctx, input.functionId, input.versionId);
  }

  @Mutation(() => ServerlessFunction, {
    description: 'Makes an earlier version live again: the one named, or the one live before the current one.',
  })
  @RequirePermission('function:update', BY_INPUT_FUNCTION)
  rollbackFunction(
    @Ctx() ctx: RequestContext,
    @Args('input') input: RollbackFunctionInput,
  ): Promise<ServerlessFunction> {
    return this.service.rollback(ctx, input.functionId, input.versionId);
  }

  @Query(() => FunctionConnection, { description: "A project's functions, newest first." })
  @RequirePermission('function:read')
  functions(@Args() args: FunctionsArgs) {
    return this.service.list(args.projectId, args);
  }

  @Query(() => ServerlessFunction, { name: 'function' })
  @RequirePermission('function:read', { entity: 'function', idArg: 'id' })
  getFunction(@Args() args: FunctionIdArgs): Promise<ServerlessFunction> {
    return this.service.get(args.id);
  }

  @Query(() => FunctionVersionConnection, { description: "A function's versions, newest first." })
  @RequirePermission('function:read', { entity: 'function', idArg: 'functionId' })
  functionVersions(@Args() args: FunctionVersionsArgs) {
    return this.service.versionsOf(args.functionId, args);
  }
}
