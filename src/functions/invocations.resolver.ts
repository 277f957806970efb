import { Args, Mutation, Query, Resolver, Subscription } from '@nestjs/graphql';
import { RequirePermission } from '../access/access.decorators';
import { LiveStreamsService } from '../access/live-streams.service';
import { Ctx } from '../common/context/ctx.decorator';
import type { RequestContext } from '../common/context/request-context';
import { ConnectionType } from '../common/pagination/connection';
import {
  ExecutionLogsArgs,
  FunctionAnalyticsArgs,
  FunctionIdArgs,
  FunctionMetricsArgs,
  FunctionScopeArgs,
} from './dto/functions.args';
import { InvokeFunctionInput, TestFunctionInput } from './dto/invoke-function.input';
import { FunctionInvokerService, fromPlain, type InvocationMessage } from './function-invoker.service';
import { FunctionsService } from './functions.service';
import { InvocationTrigger } from './function-invocation.schema';
import { invocationsTrigger } from './jobs/function-jobs';
import { FunctionInvocation } from './models/function-invocation.model';
import { FunctionAnalytics, FunctionMetrics } from './models/function-metrics.model';

const InvocationConnection = ConnectionType(FunctionInvocation);
const BY_INPUT_FUNCTION = { entity: 'function', idArg: 'input.functionId' } as const;

@Resolver(() => FunctionInvocation)
export class InvocationsResolver {
  constructor(
    private readonly invoker: FunctionInvokerService,
    private readonly functions: FunctionsService,
    private readonly streams: LiveStreamsService,
  ) {}

  @Mutation(() => FunctionInvocation, {
    description:
      "Runs the function's active version: SYNC answers with the outcome, ASYNC with the queued invocation (follow it with `invocation` or `invocationCompleted`).",
  })
  @RequirePermission('function:invoke', BY_INPUT_FUNCTION)
  invokeFunction(@Ctx() ctx: RequestContext, @Args('input') input: InvokeFunctionInput): Promise<FunctionInvocation> {
    return this.invoker.invoke(ctx.actorId, input.functionId, input.payload, input.mode, InvocationTrigger.API);
  }

  @Mutation(() => FunctionInvocation, {
    description:
      'Runs a payload against the given code, or the active version, without counting as production traffic.',
  })
  @RequirePermission('function:update', BY_INPUT_FUNCTION)
  testFunction(@Ctx() ctx: RequestContext, @Args('input') input: TestFunctionInput): Promise<FunctionInvocation> {
    return this.invoker.test(ctx, input);
  }

  @Query(() => FunctionInvocation)
  @RequirePermission('function:read', { entity: 'invocation', idArg: 'id' })
  invocation(@Args() args: FunctionIdArgs): Promise<FunctionInvocation> {
    return this.invoker.get(args.id);
  }

  @Query(() => InvocationConnection, {
    description: "A function's invocations with what each printed, newest first.",
  })
  @RequirePermission('function:read', { entity: 'function', idArg: 'functionId' })
  executionLogs(@Args() args: ExecutionLogsArgs) {
    return this.invoker.logs(args);
  }

  @Query(() => FunctionMetrics, { description: "Figures over a function's invocations made in [from, to)." })
  @RequirePermission('function:read', { entity: 'function', idArg: 'functionId' })
  functionMetrics(@Args() args: FunctionMetricsArgs): Promise<FunctionMetrics> {
    return this.invoker.metrics(args.functionId, args.from, args.to);
  }

  @Query(() => FunctionAnalytics, {
    description: 'The same figures per day over `days` days, and per hour over the last 24 hours.',
  })
  @RequirePermission('function:read', { entity: 'function', idArg: 'functionId' })
  functionAnalytics(@Args() args: FunctionAnalyticsArgs): Promise<FunctionAnalytics> {
    return this.invoker.analytics(args.functionId, args.days);
  }

  @Subscription(() => FunctionInvocation, {
    description: "A function's invocations as they finish, from every API and worker process.",
    resolve: (message: InvocationMessage) => fromPlain(message.invocation),
  })
  @RequirePermission('function:read', { entity: 'function', idArg: 'functionId' })
  async invocationCompleted(@Ctx() ctx: RequestContext, @Args() args: FunctionScopeArgs) {
    const projectId = (await this.functions.projectOf(args.functionId))!;
    return this.streams.open<InvocationMessage>(ctx, {
      trigger: invocationsTrigger(args.functionId),
      projectId,
      permission: 'function:read',
      operation: 'subscription.invocationCompleted',
    });
  }
}
