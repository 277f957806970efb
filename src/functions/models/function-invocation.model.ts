import { Field, Float, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { GraphQLJSON } from '../../common/graphql/json.scalar';
import {
  type FunctionInvocationRecord,
  InvocationMode,
  InvocationStatus,
  InvocationTrigger,
} from '../function-invocation.schema';

registerEnumType(InvocationStatus, { name: 'InvocationStatus' });
registerEnumType(InvocationMode, {
  name: 'InvocationMode',
  description: 'SYNC answers with the outcome; ASYNC queues the invocation and answers with its id at once.',
});
registerEnumType(InvocationTrigger, { name: 'InvocationTrigger' });

@ObjectType()
export class InvocationError {
  @Field({ description: "The error's type as the runtime names it (TypeError, ValueError, …)." })
  type!: string;

  @Field()
  message!: string;

  @Field({ description: 'The stack as the runtime printed it, with the function’s own files and lines.' })
  stack!: string;
}

@ObjectType()
export class InvocationLogLine {
  @Field()
  stream!: string;

  @Field()
  text!: string;

  @Field()
  at!: Date;
}

@ObjectType()
export class FunctionInvocation {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  functionId!: string;

  @Field(() => Int, { nullable: true, description: 'The version that ran; null for a test of code given with it.' })
  version!: number | null;

  @Field(() => InvocationMode)
  mode!: InvocationMode;

  @Field(() => InvocationTrigger)
  trigger!: InvocationTrigger;

  @Field(() => InvocationStatus)
  status!: InvocationStatus;

  @Field(() => GraphQLJSON, { nullable: true, description: "The handler's return value." })
  result!: unknown;

  @Field(() => InvocationError, { nullable: true })
  error!: InvocationError | null;

  @Field(() => [InvocationLogLine], { description: 'What the function printed during the invocation.' })
  logs!: InvocationLogLine[];

  @Field(() => Boolean, { description: 'Whether output past FUNCTION_MAX_LOG_BYTES was dropped.' })
  logsTruncated!: boolean;

  @Field(() => Float, {
    nullable: true,
    description: "The handler's run, in milliseconds (a cold start's load excluded).",
  })
  durationMs!: number | null;

  @Field(() => Boolean, { description: 'Whether an instance had to be started for it.' })
  coldStart!: boolean;

  @Field(() => Float, { nullable: true, description: 'Time spent starting the instance, in milliseconds.' })
  coldStartMs!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: "Peak resident memory of the function's process during the invocation.",
  })
  peakMemoryBytes!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: 'CPU time (user and system) the invocation used, in milliseconds.',
  })
  cpuTimeMs!: number | null;

  @Field()
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;

  static from(record: FunctionInvocationRecord): FunctionInvocation {
    return Object.assign(new FunctionInvocation(), {
      id: record._id.toHexString(),
      functionId: record.functionId.toHexString(),
      version: record.versionNumber,
      mode: record.mode,
      trigger: record.trigger,
      status: record.status,
      result: record.resultJson === null ? null : (JSON.parse(record.resultJson) as unknown),
      error: record.error ? Object.assign(new InvocationError(), record.error) : null,
      logs: record.logs.map((line) => Object.assign(new InvocationLogLine(), line)),
      logsTruncated: record.logsTruncated,
      durationMs: record.durationMs,
      coldStart: record.coldStart,
      coldStartMs: record.coldStartMs,
      peakMemoryBytes: record.peakMemoryBytes,
      cpuTimeMs: record.cpuTimeMs,
      createdAt: record.createdAt,
      startedAt: record.startedAt,
      finishedAt: record.finishedAt,
    });
  }
}
