import { Field, Float, ID, Int, ObjectType } from '@nestjs/graphql';
import { DashboardRange } from './dashboard-range.enum';

/*
 * The panels of a project's dashboard. Each has its totals over the whole range and a series with
 * one entry per step; counts are 0 and figures null where nothing happened.
 */

@ObjectType()
export class DeploymentsStep {
  @Field({ description: 'The start of the step.' })
  at!: Date;

  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: 'Deployments made (production and preview).' })
export class DeploymentsPanel {
  @Field(() => Int)
  total!: number;

  @Field(() => [DeploymentsStep])
  series!: DeploymentsStep[];
}

@ObjectType()
export class BuildsStep {
  @Field()
  at!: Date;

  @Field(() => Int, { description: 'Builds that ended in the step.' })
  count!: number;

  @Field(() => Int)
  succeeded!: number;

  @Field(() => Int, { description: 'Failed or timed out.' })
  failed!: number;

  @Field(() => Int, { description: 'Canceled while running.' })
  canceled!: number;

  @Field(() => Float, { nullable: true, description: 'Succeeded among succeeded and failed.' })
  successRate!: number | null;

  @Field(() => Float, { nullable: true })
  averageDurationMs!: number | null;

  @Field(() => Float, { nullable: true })
  p95DurationMs!: number | null;
}

@ObjectType({ description: 'Builds that ran, by the time they ended; one canceled before it started is not counted.' })
export class BuildsPanel {
  @Field(() => Int)
  count!: number;

  @Field(() => Int)
  succeeded!: number;

  @Field(() => Int)
  failed!: number;

  @Field(() => Int)
  canceled!: number;

  @Field(() => Float, { nullable: true, description: 'Succeeded among succeeded and failed.' })
  successRate!: number | null;

  @Field(() => Float, { nullable: true })
  averageDurationMs!: number | null;

  @Field(() => Float, { nullable: true })
  p95DurationMs!: number | null;

  @Field(() => Float, { nullable: true, description: 'From queued to started, over the builds that started.' })
  averageQueueWaitMs!: number | null;

  @Field(() => [BuildsStep])
  series!: BuildsStep[];
}

@ObjectType()
export class FunctionsStep {
  @Field()
  at!: Date;

  @Field(() => Int)
  invocations!: number;

  @Field(() => Int)
  errors!: number;

  @Field(() => Float, { nullable: true, description: 'Errors among invocations.' })
  errorRate!: number | null;

  @Field(() => Int)
  coldStarts!: number;

  @Field(() => Float, { nullable: true })
  p95DurationMs!: number | null;
}

@ObjectType({ description: "Functions' production invocations (test runs are not counted)." })
export class FunctionsPanel {
  @Field(() => Int)
  invocations!: number;

  @Field(() => Int, {
    description: 'Invocations that failed, timed out or ran out of memory, or failed before their code ran.',
  })
  errors!: number;

  @Field(() => Float, { nullable: true })
  errorRate!: number | null;

  @Field(() => Int)
  coldStarts!: number;

  @Field(() => Float, {
    nullable: true,
    description: 'Over the invocations that ran: one that failed before its code ran has no duration.',
  })
  averageDurationMs!: number | null;

  @Field(() => Float, { nullable: true, description: 'Over the invocations that ran.' })
  p95DurationMs!: number | null;

  @Field(() => [FunctionsStep])
  series!: FunctionsStep[];
}

@ObjectType()
export class ApiStep {
  @Field()
  at!: Date;

  @Field(() => Int)
  requests!: number;

  @Field(() => Int)
  errors!: number;

  @Field(() => Float, { nullable: true })
  errorRate!: number | null;

  @Field(() => Float, { nullable: true })
  p95LatencyMs!: number | null;
}

@ObjectType({
  description:
    "API operations on the project (each root field of a query or mutation), the access guard's refusals aside.",
})
export class ApiPanel {
  @Field(() => Int)
  requests!: number;

  @Field(() => Int)
  errors!: number;

  @Field(() => Float, { nullable: true })
  errorRate!: number | null;

  @Field(() => Float, { nullable: true })
  p95LatencyMs!: number | null;

  @Field(() => [ApiStep])
  series!: ApiStep[];
}

@ObjectType()
export class ResourcesStep {
  @Field()
  at!: Date;

  @Field(() => Float)
  buildMinutes!: number;

  @Field(() => Float)
  functionComputeSeconds!: number;
}

@ObjectType({ description: 'What the project used: minutes of builds running, seconds of functions running.' })
export class ResourcesPanel {
  @Field(() => Float)
  buildMinutes!: number;

  @Field(() => Float)
  functionComputeSeconds!: number;

  @Field(() => [ResourcesStep])
  series!: ResourcesStep[];
}

@ObjectType({
  description: "A project's platform dashboard over a range: one panel per area, each with totals and a series.",
})
export class Dashboard {
  @Field(() => ID)
  projectId!: string;

  @Field(() => DashboardRange)
  range!: DashboardRange;

  @Field({ description: 'The start of the first step.' })
  from!: Date;

  @Field({ description: 'The end of the last step (the current one, not over yet).' })
  to!: Date;

  @Field(() => Int, { description: 'Seconds per step: 3600 or 86400.' })
  step!: number;

  @Field(() => DeploymentsPanel)
  deployments!: DeploymentsPanel;

  @Field(() => BuildsPanel)
  builds!: BuildsPanel;

  @Field(() => FunctionsPanel)
  functions!: FunctionsPanel;

  @Field(() => ApiPanel)
  api!: ApiPanel;

  @Field(() => ResourcesPanel)
  resources!: ResourcesPanel;
}
