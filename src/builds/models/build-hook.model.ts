import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { BuildHookPhase, type BuildHookRecord } from '../build-hook.schema';

registerEnumType(BuildHookPhase, { name: 'BuildHookPhase' });

@ObjectType({ description: 'A command run in every build of the project, before or after its build command.' })
export class BuildHook {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  projectId!: string;

  @Field(() => BuildHookPhase)
  phase!: BuildHookPhase;

  @Field()
  command!: string;

  @Field(() => Int)
  order!: number;

  @Field()
  continueOnError!: boolean;

  static from(record: BuildHookRecord): BuildHook {
    return Object.assign(new BuildHook(), {
      id: record._id.toHexString(),
      projectId: record.projectId.toHexString(),
      phase: record.phase,
      command: record.command,
      order: record.order,
      continueOnError: record.continueOnError,
    });
  }
}
