import { Field, ID, ObjectType } from '@nestjs/graphql';
import type { DeployHookRecord } from '../deploy-hook.schema';

@ObjectType({
  description: 'A secret URL that builds a branch when it receives a POST. The secret is shown only at creation.',
})
export class DeployHook {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  projectId!: string;

  @Field()
  name!: string;

  @Field()
  branch!: string;

  @Field(() => String, { nullable: true, description: 'POST here to build; only in the answer to createDeployHook.' })
  url!: string | null;

  @Field(() => Date, { nullable: true })
  lastTriggeredAt!: Date | null;

  @Field()
  createdAt!: Date;

  static from(record: DeployHookRecord, url: string | null = null): DeployHook {
    return Object.assign(new DeployHook(), {
      id: record._id.toHexString(),
      projectId: record.projectId.toHexString(),
      name: record.name,
      branch: record.branch,
      url,
      lastTriggeredAt: record.lastTriggeredAt,
      createdAt: record.createdAt,
    });
  }
}
