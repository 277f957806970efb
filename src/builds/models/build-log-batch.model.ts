import { Field, ObjectType } from '@nestjs/graphql';
import { BuildStatus } from '../build.schema';
import { BuildLogLine } from './build-log-line.model';

@ObjectType({
  description: "Consecutive lines of a build's log; the last batch is empty and says how the build ended.",
})
export class BuildLogBatch {
  @Field(() => [BuildLogLine])
  lines!: BuildLogLine[];

  @Field({ description: 'True on the last batch, after the last line.' })
  finished!: boolean;

  @Field(() => BuildStatus, { nullable: true, description: 'How the build ended, on the last batch.' })
  status!: BuildStatus | null;
}
