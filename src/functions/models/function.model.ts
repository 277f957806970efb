import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { FunctionNetwork, type FunctionRecord, HttpTriggerAuth } from '../function.schema';

registerEnumType(FunctionNetwork, { name: 'FunctionNetwork' });
registerEnumType(HttpTriggerAuth, {
  name: 'HttpTriggerAuth',
  description: "Who may call a function's HTTP trigger.",
});

@ObjectType()
export class FunctionSchedule {
  @Field({ description: 'A cron expression: five fields, or six with seconds first.' })
  cron!: string;

  @Field({ description: 'The IANA time zone the expression is read in.' })
  timezone!: string;
}

@ObjectType()
export class FunctionHttpTrigger {
  @Field(() => Boolean)
  enabled!: boolean;

  @Field(() => HttpTriggerAuth)
  auth!: HttpTriggerAuth;

  @Field({
    description: 'The path it answers on: /fn/<project id>/<function name>, or the project slug in place of its id.',
  })
  path!: string;
}

@ObjectType('Function', { description: "A project's serverless function." })
export class ServerlessFunction {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  projectId!: string;

  @Field()
  name!: string;

  @Field(() => String, { nullable: true, description: "The active version's runtime." })
  runtime!: string | null;

  @Field(() => String, { nullable: true, description: "The active version's handler." })
  handler!: string | null;

  @Field(() => Int)
  timeoutSeconds!: number;

  @Field(() => Int)
  memoryMb!: number;

  @Field(() => FunctionNetwork)
  network!: FunctionNetwork;

  @Field(() => [String], { description: "The names of the function's own variables; their values are never shown." })
  envKeys!: string[];

  @Field(() => Boolean)
  enabled!: boolean;

  @Field(() => ID, { nullable: true })
  activeVersionId!: string | null;

  @Field(() => Int, { nullable: true, description: 'The number of the active version.' })
  activeVersion!: number | null;

  @Field(() => Int, { description: 'The number of the newest version.' })
  latestVersion!: number;

  @Field(() => Int, { nullable: true, description: "Instances kept warm; the project's auto-scaling when null." })
  minWarmInstances!: number | null;

  @Field(() => Int, { nullable: true, description: 'Instances at once per process; the platform default when null.' })
  maxConcurrency!: number | null;

  @Field(() => FunctionHttpTrigger)
  http!: FunctionHttpTrigger;

  @Field(() => [FunctionSchedule])
  schedules!: FunctionSchedule[];

  @Field(() => [String], { description: 'Platform events (or patterns such as build.*) that invoke it.' })
  eventTriggers!: string[];

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;

  static from(
    record: FunctionRecord,
    active: { number: number; runtime: string; handler: string } | null,
  ): ServerlessFunction {
    const id = record._id.toHexString();
    return Object.assign(new ServerlessFunction(), {
      id,
      projectId: record.projectId.toHexString(),
      name: record.name,
      runtime: active?.runtime ?? null,
      handler: active?.handler ?? null,
      timeoutSeconds: record.timeoutSeconds,
      memoryMb: record.memoryMb,
      network: record.network,
      envKeys: record.envKeys,
      enabled: record.enabled,
      activeVersionId: record.activeVersionId?.toHexString() ?? null,
      activeVersion: active?.number ?? null,
      latestVersion: record.latestVersion,
      minWarmInstances: record.minWarmInstances,
      maxConcurrency: record.maxConcurrency,
      http: Object.assign(new FunctionHttpTrigger(), {
        enabled: record.httpEnabled,
        auth: record.httpAuth,
        path: `/fn/${record.projectId.toHexString()}/${record.name}`,
      }),
      schedules: record.schedules.map((s) =>
        Object.assign(new FunctionSchedule(), { cron: s.cron, timezone: s.timezone }),
      ),
      eventTriggers: record.eventTriggers,
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
    });
  }
}
